/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Who is at each seat. Input arrives in interrupt context, so the task running then says
 * nothing about who typed: evtap attributes each event to the active session's user on the
 * device's seat, as reported by one of these sources.
 */
#ifndef EVTAP_SESSION_H
#define EVTAP_SESSION_H

#include <stddef.h>
#include <stdint.h>

#define SESSION_SEAT_NAME_MAX 32

struct session_state {
	char seat[SESSION_SEAT_NAME_MAX];
	uint32_t uid; /* EVTAP_UID_NONE: no session, or a greeter or login prompt */
	int locked;
};

typedef void (*session_fn)(void *ctx, const struct session_state *state);

struct session_source;

/*
 * spec: "logind", "tty", "file:PATH" or "static:UID". Reports the current state through fn
 * before returning. A bad spec returns -EINVAL with the reason in err.
 */
int session_open(struct session_source **out, const char *spec, session_fn fn, void *ctx, char *err,
		 size_t errlen);
void session_close(struct session_source *src);
/* The fd to poll for changes, or -1 for a source that never changes. */
int session_fd(const struct session_source *src);
/* The epoll events that signal a change on session_fd(): sysfs attributes signal EPOLLPRI. */
unsigned int session_poll_events(const struct session_source *src);
/* Reads what changed and reports every seat's state again through fn. */
void session_dispatch(struct session_source *src);
/* "logind" where logind runs, else "tty". */
const char *session_default_spec(void);

#endif /* EVTAP_SESSION_H */
