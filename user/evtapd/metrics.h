/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Prometheus metrics over HTTP on a Unix socket or a loopback port (libmicrohttpd, driven from
 * the daemon's loop through its epoll fd: no thread, never blocking). Every response is the
 * last snapshot, taken by metrics_refresh at the daemon's fixed interval and never on a
 * request: a figure that a local user polls cannot follow single key presses.
 */
#ifndef EVTAP_METRICS_H
#define EVTAP_METRICS_H

#include <stdio.h>

struct metrics;

/* Writes the exposition's body. */
typedef void (*metrics_write_fn)(void *ctx, FILE *out);

/*
 * 0 if spec is "unix:/PATH", or "IPV4:PORT" or "[IPV6]:PORT" on a loopback address;
 * -EINVAL otherwise. A port off loopback would serve the counters to the network.
 */
int metrics_check_spec(const char *spec);

/*
 * Listens on spec (a Unix socket is mode 0600, replacing a stale one) and takes the first
 * snapshot. Returns 0 or -errno.
 */
int metrics_open(struct metrics **m, const char *spec, metrics_write_fn fn, void *ctx);

/* Replaces the snapshot that requests are answered with. Returns 0 or -errno (kept old). */
int metrics_refresh(struct metrics *m);

/* Readable when metrics_dispatch has something to do; for the caller's epoll. */
int metrics_fd(const struct metrics *m);

/* Accepts, reads requests, writes responses, drops clients past their deadline; never blocks. */
void metrics_dispatch(struct metrics *m);

/* m may be NULL. Removes the Unix socket. */
void metrics_close(struct metrics *m);

#endif /* EVTAP_METRICS_H */
