/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The logind session source: each seat's active session, its class and its LockedHint. */
#ifndef EVTAP_SESSION_LOGIND_H
#define EVTAP_SESSION_LOGIND_H

#include "session.h"

struct logind_watch;

int logind_watch_open(struct logind_watch **out, session_fn fn, void *ctx, char *err,
		      size_t errlen);
void logind_watch_close(struct logind_watch *w);
int logind_watch_fd(const struct logind_watch *w);
void logind_watch_dispatch(struct logind_watch *w);

#endif /* EVTAP_SESSION_LOGIND_H */
