/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Display activity, the part that needs no kernel memory: the gate and the per-CRTC
 * aggregation, shared by the display hooks (display_hooks.bpf.h) and their test wrapper
 * (evtap_test.bpf.c). Nothing per event leaves the kernel: the collector reads the
 * cumulative "display" map once per count interval (docs/DISPLAY.md).
 */
#ifndef EVTAP_DISPLAY_BPF_H
#define EVTAP_DISPLAY_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "evtap.h"
#include "evtap_policy.h"
#include "maps.bpf.h"
#include "capture.bpf.h"

/* Cumulative activity by {uid, crtc}: the collector takes deltas, as for "counts". */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, EVTAP_MAX_USERS);
	__type(key, struct evtap_display_key);
	__type(value, struct evtap_display);
} display SEC(".maps");

/*
 * Outcome counters of the display events, indexed by enum evtap_stat, kept apart from the
 * input's "stats" so that each keeps SEEN == sum(outcomes) about its own events. Outcomes used:
 * COUNTED, FILTERED (nothing to count, e.g. an empty damage clip), the GATE_* reasons and
 * LOST_COUNTS_MAP_FULL.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EVTAP_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} display_stats SEC(".maps");

/* Entries of each display hook, indexed by enum evtap_display_hook, whoever the user. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EVTAP_DHOOK_MAX);
	__type(key, __u32);
	__type(value, __u64);
} display_hits SEC(".maps");

static __always_inline void evtap_display_inc(void *map, __u32 index)
{
	__u64 *n = bpf_map_lookup_elem(map, &index);

	if (n)
		(*n)++;
}

/* The damaged fraction of a frame in ppm, capped at a full frame; no frame size: a full frame. */
static __always_inline __u64 evtap_display_ppm(__u64 area, __u64 frame_area)
{
	if (!frame_area || area >= frame_area)
		return EVTAP_DISPLAY_FULL_PPM;
	return area * EVTAP_DISPLAY_FULL_PPM / frame_area;
}

/*
 * A display belongs to seat0 (the one seat with a display in evtap's model): the activity is
 * its active user's, through the same gate and consent as input. Returns 0 and sets *uid, or
 * the EVTAP_STAT_GATE_* reason.
 */
static __always_inline int evtap_display_attribute(__u64 now, __u32 *uid)
{
	const struct evtap_consent *choice;
	const struct evtap_seat *seat;
	__u32 seat_id = 0;
	int reason, level;

	seat = bpf_map_lookup_elem(&seats, &seat_id);
	reason = evtap_seat_gate(seat);
	if (reason)
		return reason;
	*uid = seat->uid;
	choice = bpf_map_lookup_elem(&consent, uid);
	if (!now)
		now = bpf_ktime_get_ns();
	level = evtap_user_level((const struct evtap_fleet *)&fleet, choice, now, &reason);
	if (level < evtap_kind_min_level(EVTAP_KIND_DISPLAY))
		return reason;
	return 0;
}

static __always_inline int evtap_display_outcome(__u32 crtc, __u32 what, __u64 ppm, __u64 now)
{
	static const struct evtap_display empty;
	struct evtap_display_key key = { .crtc = crtc };
	struct evtap_display *d;
	int reason;

	if (what == EVTAP_DISPLAY_DAMAGE && !ppm)
		return EVTAP_STAT_FILTERED;
	reason = evtap_display_attribute(now, &key.uid);
	if (reason)
		return reason;
	d = evtap_get_or_create(&display, &key, &empty);
	if (!d)
		return EVTAP_STAT_LOST_COUNTS_MAP_FULL;
	if (what == EVTAP_DISPLAY_COMMIT)
		d->commits++;
	else if (what == EVTAP_DISPLAY_FLIP)
		d->flips++;
	else
		d->damage_events++;
	d->damage_ppm += ppm;
	return EVTAP_STAT_COUNTED;
}

/*
 * One display event on a CRTC: a commit, a flip or a damage report, with the damaged fraction
 * of the frame in ppm (0 for a commit that changes no pixels; a damage report of 0 ppm is
 * FILTERED). now is CLOCK_MONOTONIC ns, or 0 to read the clock. Counted as SEEN and under
 * exactly one outcome in display_stats.
 */
static __always_inline void evtap_display_event(__u32 crtc, __u32 what, __u64 ppm, __u64 now)
{
	evtap_display_inc(&display_stats, EVTAP_STAT_SEEN);
	evtap_display_inc(&display_stats, evtap_display_outcome(crtc, what, ppm, now));
}

#endif /* EVTAP_DISPLAY_BPF_H */
