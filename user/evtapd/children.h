/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The children that stream long answers (export, audit): capped per caller and in all, so
 * that readers who never read cannot pile up processes, and ended when their data goes (a
 * forget) or when the daemon stops.
 */
#ifndef EVTAP_CHILDREN_H
#define EVTAP_CHILDREN_H

#include <stdint.h>
#include <sys/types.h>

#define CHILDREN_MAX	    16
#define CHILDREN_PER_CALLER 4
#define CHILD_ALL_USERS	    (-1) /* the target of an export of every user */
#define CHILD_NO_USER	    (-2) /* the audit log: no user's data */

struct child {
	pid_t pid;
	uint32_t caller;
	int64_t target; /* whose data it streams: a uid, CHILD_ALL_USERS or CHILD_NO_USER */
};

struct children {
	struct child list[CHILDREN_MAX];
	int n;
};

/* NULL when caller may start one more child, else why not, for the caller. */
const char *children_refusal(const struct children *c, uint32_t caller);
void children_add(struct children *c, pid_t pid, uint32_t caller, int64_t target);
/* Forgets a child that waitpid reaped. */
void children_reaped(struct children *c, pid_t pid);
/*
 * Ends, with SIGTERM (SIGKILL after a second), and reaps the children streaming uid's data,
 * those of every user's included; uid CHILD_ALL_USERS: every child.
 */
void children_end(struct children *c, int64_t uid);

#endif /* EVTAP_CHILDREN_H */
