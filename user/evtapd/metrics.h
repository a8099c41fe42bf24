/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Prometheus metrics over HTTP on a Unix socket or a loopback port, served from the daemon's
 * loop without ever blocking it: one response per connection, a bounded number of
 * connections, and a deadline after which a slow client is dropped.
 */
#ifndef EVTAP_METRICS_H
#define EVTAP_METRICS_H

#include <stdio.h>

struct metrics;

/* Writes the exposition's body. */
typedef void (*metrics_write_fn)(void *ctx, FILE *out);

/*
 * spec: "unix:PATH" (a socket, mode 0600, replacing a stale one) or "127.0.0.1:PORT" or
 * "[::1]:PORT". Returns 0 or -errno.
 */
int metrics_open(struct metrics **m, const char *spec, metrics_write_fn fn, void *ctx);

/* Readable when metrics_dispatch has something to do; for the caller's epoll. */
int metrics_fd(const struct metrics *m);

/* Accepts, reads requests, writes responses, drops clients past their deadline; never blocks. */
void metrics_dispatch(struct metrics *m);

/* m may be NULL. Removes the Unix socket. */
void metrics_close(struct metrics *m);

#endif /* EVTAP_METRICS_H */
