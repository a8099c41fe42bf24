// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-bench-floor empty|bare: loads one of the two reference programs, bench/empty.bpf.c or
 * bench/bare.bpf.c, attaches it to input_event, prints "attached", and keeps it attached until
 * SIGTERM or SIGINT; the bare-record program's ring buffer is drained the way evtap's collector
 * drains its own, every 250 ms.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <bpf/libbpf.h>
#include "bare.skel.h"
#include "empty.skel.h"

#define POLL_MS 250

static void on_signal(int sig)
{
}

static int discard(void *ctx, void *data, size_t size)
{
	return 0;
}

/* Until a signal: none is the mask that lets one in. */
static void drain(struct bare_bpf *skel, const sigset_t *none)
{
	struct ring_buffer *rb =
		ring_buffer__new(bpf_map__fd(skel->maps.records), discard, NULL, NULL);
	struct epoll_event ev;

	if (!rb) {
		fprintf(stderr, "evtap-bench-floor: no ring buffer: %s\n", strerror(errno));
		return;
	}
	while (epoll_pwait(ring_buffer__epoll_fd(rb), &ev, 1, POLL_MS, none) >= 0)
		ring_buffer__consume(rb);
	ring_buffer__free(rb);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct empty_bpf *empty = NULL;
	struct bare_bpf *bare = NULL;
	sigset_t stop, none;
	int err = -1;

	if (argc == 2 && !strcmp(argv[1], "empty") && (empty = empty_bpf__open_and_load()))
		err = empty_bpf__attach(empty);
	else if (argc == 2 && !strcmp(argv[1], "bare") && (bare = bare_bpf__open_and_load()))
		err = bare_bpf__attach(bare);
	if (err) {
		fprintf(stderr, "usage: evtap-bench-floor empty|bare (cannot load or attach)\n");
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
	if (bare)
		drain(bare, &none);
	else
		sigsuspend(&none);
	bare_bpf__destroy(bare);
	empty_bpf__destroy(empty);
	return 0;
}
