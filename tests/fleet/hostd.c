// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-test-hostd CONF READY: one evtapd over the kernel layer's double, for the fleet
 * consent suite (tests/fleet/consent.sh), which runs two of them as machines A and B. CONF
 * holds the config file's keys (the harness puts them under [evtapd]; a [fleet] section may
 * follow). Each uid given after READY gets one stored record, so that it has a store. READY
 * gets "DATA_DIR SOCKET" once the daemon serves; SIGTERM stops it.
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

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
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
	if (say_ready(&h, argv[2]))
		stopping = 1;
	while (!stopping) {
		struct pollfd pfd = { .fd = control_fd(h.d.control), .events = POLLIN };
		pid_t pid;
		poll(&pfd, 1, 50);
		daemon_periodic_work(&h.d);
		/* As the daemon's loop does: a streamed answer's child ends, and is counted out. */
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			children_reaped(&h.d.children, pid);
	}
	harness_stop(&h);
	return 0;
}
