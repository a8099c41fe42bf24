/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The consent policy, compiled into both the kernel gate and the collector's second check, so
 * that the two can never disagree about what a user's effective level is.
 */
#ifndef EVTAP_POLICY_H
#define EVTAP_POLICY_H

#include "evtap.h"

#ifdef __bpf__
#define EVTAP_INLINE static __always_inline
#else
#define EVTAP_INLINE static inline
#endif

/*
 * Whether a seat's state allows capture at all: returns 0 or the EVTAP_STAT_GATE_* reason.
 * Only the kernel applies it, at the moment of the event: the collector cannot know which
 * seat state an event saw.
 */
EVTAP_INLINE int evtap_seat_gate(const struct evtap_seat *seat)
{
	if (!seat || seat->uid == EVTAP_UID_NONE)
		return EVTAP_STAT_GATE_NO_SESSION;
	if (seat->locked)
		return EVTAP_STAT_GATE_LOCKED;
	return 0;
}

/*
 * A user's effective level at time now (CLOCK_MONOTONIC ns). consent is NULL for a user who
 * never chose. On EVTAP_LEVEL_OFF, *reason holds the EVTAP_STAT_GATE_* reason.
 */
EVTAP_INLINE int evtap_user_level(const struct evtap_fleet *fleet,
				  const struct evtap_consent *consent, __u64 now, int *reason)
{
	int level = fleet->level;

	if (!consent) {
		if (fleet->default_consent == EVTAP_DEFAULT_SKIP)
			level = EVTAP_LEVEL_OFF;
	} else if (consent->opted_out) {
		*reason = EVTAP_STAT_GATE_OPTED_OUT;
		return EVTAP_LEVEL_OFF;
	} else if (consent->paused_until > now) {
		*reason = EVTAP_STAT_GATE_PAUSED;
		return EVTAP_LEVEL_OFF;
	} else if (consent->level < level) {
		level = consent->level;
	}
	if (level <= EVTAP_LEVEL_OFF) {
		*reason = EVTAP_STAT_GATE_LEVEL_OFF;
		return EVTAP_LEVEL_OFF;
	}
	return level;
}

/* The least level at which a record of this kind may exist. */
EVTAP_INLINE int evtap_kind_min_level(int kind)
{
	switch (kind) {
	case EVTAP_KIND_KEY:
		return EVTAP_LEVEL_FULL;
	case EVTAP_KIND_COUNTS:
	case EVTAP_KIND_DISPLAY:
		return EVTAP_LEVEL_COUNTS;
	default:
		return EVTAP_LEVEL_CLASSES;
	}
}

#endif /* EVTAP_POLICY_H */
