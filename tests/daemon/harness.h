/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The daemon's host tests' shared harness (tests/daemon/harness.c): a daemon started over the
 * kernel layer's double in a temporary directory, driven without its event loop, and callers
 * of the control socket with any uid.
 */
#ifndef EVTAP_HARNESS_H
#define EVTAP_HARNESS_H

#include <stddef.h>
#include <sys/types.h>
#include "daemon.h"
#include "kernel_double.h"

#define HARNESS_ALICE 1000 /* the static session's user */
#define HARNESS_BOB   1001

/* Config lines under which the flush and count intervals never elapse by themselves. */
#define HARNESS_NO_INTERVALS "flush-interval = 1h\ncount-interval = 1h\n"

#define HARNESS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct harness {
	char dir[64];
	char data_dir[96], key_dir[96], socket[96], conf[96];
	char *argv[16];
	struct daemon_config cfg;
	struct daemon d;
	int started; /* daemon_start succeeded: harness_stop shuts it down first */
};

/*
 * Writes conf (the [evtapd] section's keys, or NULL for none) to the config file, loads it with
 * the temporary paths and session source static:1000 as flags over it (so that a reload reads
 * it again) and starts the daemon on a fresh double. Returns 0, or what failed (logged) with
 * everything undone.
 */
int harness_start(struct harness *h, const char *conf);
/* In a test (check.h): starts h, or fails the test and returns from it. */
#define HARNESS_START(h, conf)                                                                     \
	do {                                                                                       \
		if (harness_start(h, conf)) {                                                      \
			CHECK(0, "the daemon did not start: see its log");                         \
			return;                                                                    \
		}                                                                                  \
	} while (0)
/*
 * Stops the daemon as SIGTERM would and starts it again on the same directory and
 * configuration, over a fresh double, as a restart of evtapd. Returns what daemon_start does.
 */
int harness_restart(struct harness *h);
/*
 * Makes the files of a [fleet] section that no test connects with (evtapd has no network) in
 * a new directory dir (of 64 bytes), and the section itself, under HARNESS_NO_INTERVALS, in
 * conf: ship-user nobody (uid 65534), ship-state-dir dir. Returns 0 or -1.
 */
int harness_fleet_files(char *dir, char *conf, size_t len);
/* Writes len bytes of text to DIR/NAME (made anew); 0, or -1. */
int harness_write_file(const char *dir, const char *name, const char *text, size_t len);
/* Shuts the daemon down, frees it and removes the directory. */
void harness_stop(struct harness *h);
/* Replaces the config file's keys, for a reload. */
int harness_write_conf(struct harness *h, const char *conf);

/*
 * Sends line (without its newline) to the control socket as uid and serves the daemon until
 * the daemon closes the connection; answer gets everything it said, body included. Returns
 * the answer's length, or -1 (no connection, or no answer within 5 s).
 */
int harness_call(struct harness *h, uid_t uid, const char *line, char *answer, size_t len);

/*
 * What harness_call saw of its request while the daemon changed the kernel's consent map: with
 * harness_watch_consent, each change is counted, and answered_first says an answer was already
 * on the socket at one of them (a change must come before the answer).
 */
struct harness_watch {
	int fd; /* -1: no request in flight, e.g. while a test prepares the map */
	int changes;
	int answered_first;
};

extern struct harness_watch harness_watch;

/* Hooks harness_watch to the double's consent map (call after harness_start). */
void harness_watch_consent(void);

/* A socket to the control socket connected as uid (its SO_PEERCRED), or -1. */
int harness_connect_as(struct harness *h, uid_t uid);
/* Serves the daemon until fd's peer closes, reading into answer as harness_call does. */
int harness_await(struct harness *h, int fd, char *answer, size_t len);

/* Sets uid's consent as a request would, through daemon_set_consent; returns what it does. */
int harness_set_consent(struct harness *h, uint32_t uid, int opted_out, int level,
			int64_t paused_until_wall);
/* Queues one record in the double's buffer, stamped now, as the kernel would reserve it. */
void harness_push(uint32_t uid, uint8_t kind, uint16_t code, int32_t value);
/* Flushes the store, reads uid's records back and keeps the first max in out; returns how many
 * there are, or -1. */
int harness_read_user(struct harness *h, uint32_t uid, struct evtap_record *out, int max);
/* The audit log's last line, without its newline; "" when there is none. */
void harness_audit_last(struct harness *h, char *line, size_t len);

#endif /* EVTAP_HARNESS_H */
