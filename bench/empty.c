// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-bench-empty: loads bench/empty.bpf.c, attaches it to input_event, prints "attached"
 * and keeps it attached until SIGTERM or SIGINT.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include "empty.skel.h"

static void on_signal(int sig)
{
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct empty_bpf *skel = empty_bpf__open_and_load();
	sigset_t stop, none;

	if (!skel || empty_bpf__attach(skel)) {
		fprintf(stderr, "evtap-bench-empty: cannot load or attach the empty program\n");
		return 1;
	}
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("attached\n");
	fflush(stdout);
	sigemptyset(&none);
	sigsuspend(&none);
	empty_bpf__destroy(skel);
	return 0;
}
