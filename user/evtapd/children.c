// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <signal.h>
#include <time.h>
#include <sys/wait.h>
#include "children.h"
#include "clock.h"
#include "log.h"

#define CHILD_GRACE_NS 1000000000LL
#define STR(x)	       STR_(x)
#define STR_(x)	       #x

const char *children_refusal(const struct children *c, uint32_t caller)
{
	int mine = 0;

	for (int i = 0; i < c->n; i++)
		mine += c->list[i].caller == caller;
	if (mine >= CHILDREN_PER_CALLER)
		return "too many exports in progress: at most " STR(
			CHILDREN_PER_CALLER) " at once per user; try again when one ends";
	if (c->n == CHILDREN_MAX)
		return "too many exports in progress: at most " STR(
			CHILDREN_MAX) " at once in all; try again later";
	return NULL;
}

void children_add(struct children *c, pid_t pid, uint32_t caller, int64_t target)
{
	c->list[c->n++] = (struct child){ .pid = pid, .caller = caller, .target = target };
}

void children_reaped(struct children *c, pid_t pid)
{
	for (int i = 0; i < c->n; i++)
		if (c->list[i].pid == pid)
			c->list[i--] = c->list[--c->n];
}

static int streams(const struct child *ch, int64_t uid)
{
	return uid == CHILD_ALL_USERS || ch->target == uid || ch->target == CHILD_ALL_USERS;
}

/* Waits for pid until the deadline, then kills it; a child in its last write ends at once. */
static void reap(pid_t pid, int64_t deadline)
{
	struct timespec tick = { .tv_nsec = 10000000 };

	while (waitpid(pid, NULL, WNOHANG) == 0) {
		if (clock_mono_ns() >= deadline) {
			log_warn("child %d: still running after SIGTERM: killed", pid);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return;
		}
		nanosleep(&tick, NULL);
	}
}

void children_end(struct children *c, int64_t uid)
{
	int64_t deadline = clock_mono_ns() + CHILD_GRACE_NS;

	for (int i = 0; i < c->n; i++)
		if (streams(&c->list[i], uid))
			kill(c->list[i].pid, SIGTERM);
	for (int i = 0; i < c->n; i++) {
		if (!streams(&c->list[i], uid))
			continue;
		reap(c->list[i].pid, deadline);
		c->list[i--] = c->list[--c->n];
	}
}
