/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The control socket. Each connection carries one request line and gets one response; the
 * server never blocks: reads are non-blocking, a request must arrive within a deadline, and
 * a long answer (export, audit) is handed over as the connection's fd to be streamed by a
 * child process.
 */
#ifndef EVTAP_CONTROL_H
#define EVTAP_CONTROL_H

#include <sys/socket.h>
#include "request.h"

struct control;
struct control_client;

/* cred is the peer's SO_PEERCRED. req is NULL when parsing failed: err says why. */
typedef void (*control_fn)(void *ctx, struct control_client *client, const struct ucred *cred,
			   const struct request *req, const char *err);

/* Binds path (replacing a stale socket), mode 0666: every user may ask about their own data. */
int control_open(struct control **out, const char *path, control_fn fn, void *ctx);
void control_close(struct control *ctl);

/* An epoll fd that is readable when there is work: add it to the daemon's loop. */
int control_fd(const struct control *ctl);
/* Connections refused: all slots taken, or the user's share of them (root has no share). */
uint64_t control_refused(const struct control *ctl);
/* Accepts that failed for want of a descriptor; accepting then pauses for 100 ms. */
uint64_t control_no_fd(const struct control *ctl);
/* Accepts connections, reads requests, closes clients past their deadline. */
void control_dispatch(struct control *ctl);

/* Replies with one line and closes; line has no newline. */
void control_reply(struct control *ctl, struct control_client *client, const char *line);
/* Detaches the client's socket, now blocking, for the caller to stream on and close. */
int control_take_fd(struct control *ctl, struct control_client *client);

#endif /* EVTAP_CONTROL_H */
