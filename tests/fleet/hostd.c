// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-test-hostd CONF READY: one evtapd over the kernel layer's double, for the fleet
 * consent suite (tests/fleet/consent.sh), which runs two of them as machines A and B. CONF
 * holds the config file's keys (the harness puts them under [evtapd]; a [fleet] section may
 * follow). Each uid given after READY gets one stored record, so that it has a store. READY
 * gets "DATA_DIR SOCKET" once the daemon serves; SIGTERM stops it. For the fleet-health suite
 * (tests/fleet/health.sh): SIGUSR1 has each of those uids type a block's worth (a store block
 * written, not fsync'ed, and the start of the next in memory), SIGUSR2 flushes the store as
 * the flush interval would; each says "typed" or "flushed" on stdout when done.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "children.h"
#include "harness.h"
#include "log.h"

/* More than a 64 KiB block of key classes, in turns that fit the double's queue. */
#define TYPED_RECORDS 24000
#define TYPED_TURN    2000

static volatile sig_atomic_t stopping, typing, flushing;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		typing = 1;
	else if (sig == SIGUSR2)
		flushing = 1;
	else
		stopping = 1;
}

static void type_block(struct harness *h, int nuids, char **uids)
{
	for (int n = 0; n < TYPED_RECORDS; n += TYPED_TURN) {
		for (int u = 0; u < nuids; u++)
			for (int i = 0; i < TYPED_TURN; i++)
				harness_push((uint32_t)strtoul(uids[u], NULL, 10),
					     EVTAP_KIND_KEYCLASS, EVTAP_CLASS_LETTER, i & 1);
		daemon_drain(&h->d);
	}
	printf("typed\n");
	fflush(stdout);
}

static char *read_all(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int say_ready(const struct harness *h, const char *path)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -1;
	fprintf(f, "%s %s\n", h->data_dir, h->socket);
	return fclose(f);
}

int main(int argc, char **argv)
{
	static struct harness h;
	struct sigaction sa = { .sa_handler = on_signal };
	char *conf;

	if (argc < 3) {
		fprintf(stderr, "usage: evtap-test-hostd CONF READY [UID...]\n");
		return 2;
	}
	log_init("hostd", LOG_WARNING);
	conf = read_all(argv[1]);
	if (!conf || harness_start(&h, conf))
		return 1;
	for (int i = 3; i < argc; i++)
		harness_push((uint32_t)strtoul(argv[i], NULL, 10), EVTAP_KIND_KEYCLASS,
			     EVTAP_CLASS_LETTER, 1);
	daemon_periodic_work(&h.d);
	store_flush(h.d.store);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	if (say_ready(&h, argv[2]))
		stopping = 1;
	while (!stopping) {
		struct pollfd pfd = { .fd = control_fd(h.d.control), .events = POLLIN };
		pid_t pid;
		poll(&pfd, 1, 50);
		daemon_periodic_work(&h.d);
		if (typing) {
			typing = 0;
			type_block(&h, argc - 3, argv + 3);
		}
		if (flushing) {
			flushing = 0;
			store_flush(h.d.store);
			printf("flushed\n");
			fflush(stdout);
		}
		/* As the daemon's loop does: a streamed answer's child ends, and is counted out. */
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			children_reaped(&h.d.children, pid);
	}
	harness_stop(&h);
	return 0;
}
