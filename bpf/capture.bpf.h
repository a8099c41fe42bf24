/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The per-event logic, shared by the capture programs and their test wrapper. Order matters
 * for both privacy and cost: filter what never leaves the kernel, then gate on the seat and
 * the user's consent, and only then touch the ring buffer, so that nothing of a gated user is
 * ever reserved and a filtered event costs two counter updates.
 */
#ifndef EVTAP_CAPTURE_BPF_H
#define EVTAP_CAPTURE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <linux/input-event-codes.h>
#include "evtap.h"
#include "evtap_policy.h"
#include "maps.bpf.h"
#include "keyclass.bpf.h"

/* An event's two counts: SEEN, and its outcome (an enum evtap_stat). */
static __always_inline void evtap_count_event(__u32 outcome)
{
	__u32 zero = 0;
	struct evtap_stats *s = bpf_map_lookup_elem(&stats, &zero);

	if (!s)
		return;
	s->n[EVTAP_STAT_SEEN]++;
	if (outcome < EVTAP_STAT_MAX)
		s->n[outcome]++;
}

/* Codes in [BTN_MISC, KEY_OK) are buttons, kept at every level that keeps records. */
static __always_inline bool evtap_is_button(__u32 code)
{
	return code >= BTN_MISC && code < KEY_OK;
}

/*
 * What may leave the kernel at all: keys, the relative axes of a pointer (the _HI_RES wheel
 * events duplicate the detents) and absolute axes, checked against the input core's limits
 * because the hooks run before the core validates the event.
 */
static __always_inline bool evtap_is_kept(__u32 type, __u32 code)
{
	switch (type) {
	case EV_KEY:
		return code <= KEY_MAX;
	case EV_REL:
		return code == REL_X || code == REL_Y || code == REL_WHEEL || code == REL_HWHEEL;
	case EV_ABS:
		return code <= ABS_MAX;
	default:
		return false;
	}
}

static __always_inline __u64 evtap_coarsen(__u64 now)
{
	__u64 granularity = fleet.time_granularity_ns;

	return granularity > 1 ? now - now % granularity : now;
}

/*
 * Who the event belongs to and at which level: returns 0 and fills src, or the
 * EVTAP_STAT_GATE_* reason. The consent lookup is skipped when the seat already gates.
 */
static __always_inline int evtap_attribute(__u32 dev, __u64 now, struct evtap_source *src)
{
	const struct evtap_consent *choice;
	const struct evtap_seat *seat;
	__u32 *routed, seat_id = 0;
	int reason;

	if (devices_routed) {
		routed = bpf_map_lookup_elem(&device_seats, &dev);
		if (routed)
			seat_id = *routed;
	}
	seat = bpf_map_lookup_elem(&seats, &seat_id);
	reason = evtap_seat_gate(seat);
	if (reason)
		return reason;
	src->uid = seat->uid;
	choice = bpf_map_lookup_elem(&consent, &src->uid);
	if (!now)
		now = bpf_ktime_get_ns();
	/* The cast drops volatile: one event reads the policy once, through the shared code. */
	src->level = evtap_user_level((const struct evtap_fleet *)&fleet, choice, now, &reason);
	if (src->level == EVTAP_LEVEL_OFF)
		return reason;
	src->dev = dev;
	src->ts_ns = evtap_coarsen(now);
	return 0;
}

/* Batched wakeups: the collector polls with a timeout, so it only needs waking for volume. */
static __always_inline __u64 evtap_wakeup_flag(void)
{
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) < fleet.wakeup_bytes)
		return BPF_RB_NO_WAKEUP;
	return BPF_RB_FORCE_WAKEUP;
}

/*
 * One record out, to whichever buffer use_perf_buffer selects. ctx is the program's context,
 * which bpf_perf_event_output needs. The perf path builds the record on the stack (32 bytes)
 * and copies it out; a failed output (a full per-CPU buffer) counts as LOST_RINGBUF_FULL,
 * which covers both buffers.
 */
static __always_inline int evtap_emit(void *ctx, const struct evtap_source *src, __u8 kind,
				      __u16 code, __s32 value, __s32 value2)
{
	struct evtap_event rec, *e = &rec;

	if (!use_perf_buffer)
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return EVTAP_STAT_LOST_RINGBUF_FULL;
	e->ts_ns = src->ts_ns;
	e->uid = src->uid;
	e->dev = src->dev;
	e->kind = kind;
	e->level = src->level;
	e->code = code;
	e->value = value;
	e->value2 = value2;
	e->pad = 0;
	if (use_perf_buffer)
		return bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, e, sizeof(*e))
			       ? EVTAP_STAT_LOST_RINGBUF_FULL
			       : EVTAP_STAT_EMITTED;
	bpf_ringbuf_submit(e, evtap_wakeup_flag());
	return EVTAP_STAT_EMITTED;
}

static __always_inline int evtap_emit_key(void *ctx, const struct evtap_source *src, __u32 code,
					  __s32 value)
{
	if (evtap_is_button(code))
		return evtap_emit(ctx, src, EVTAP_KIND_BUTTON, code, value, 0);
	if (src->level >= evtap_kind_min_level(EVTAP_KIND_KEY))
		return evtap_emit(ctx, src, EVTAP_KIND_KEY, code, value, 0);
	return evtap_emit(ctx, src, EVTAP_KIND_KEYCLASS, evtap_key_class(code), value, 0);
}

static __always_inline __u64 evtap_abs(__s32 v)
{
	return v < 0 ? -(__s64)v : v;
}

/* Level counts: only presses and movement add up; nothing per event leaves the kernel. */
static __always_inline int evtap_count(__u32 uid, __u32 type, __u32 code, __s32 value)
{
	static const struct evtap_counts empty;
	struct evtap_counts *c;
	__u32 class;

	if (type == EV_ABS || (type == EV_KEY && value != 1))
		return EVTAP_STAT_COUNTED;
	c = evtap_get_or_create(&counts, &uid, &empty);
	if (!c)
		return EVTAP_STAT_LOST_COUNTS_MAP_FULL;
	if (type == EV_REL) {
		if (code == REL_X || code == REL_Y)
			c->motion += evtap_abs(value);
		else
			c->scroll += evtap_abs(value);
	} else if (evtap_is_button(code)) {
		/* Mouse buttons only: a touchpad's BTN_TOUCH or BTN_TOOL_* is not a click. */
		if (code >= BTN_MOUSE && code < BTN_JOYSTICK)
			c->clicks++;
	} else {
		/*
		 * The table holds classes only and the compiler knows it, but the verifier sees
		 * any byte: hide the value from the compiler so that the bound survives.
		 */
		class = evtap_key_class(code);
		barrier_var(class);
		if (class < EVTAP_CLASS_MAX)
			c->keys[class]++;
	}
	return EVTAP_STAT_COUNTED;
}

/* The state of a device known only by its index; NULL when the map cannot take it. */
static __always_inline struct evtap_device_state *evtap_device_state_by_index(__u32 index)
{
	struct evtap_device_state fresh = { .index = index };
	__u64 key = EVTAP_DEV_KEY_BY_INDEX | index;

	return evtap_get_or_create(&device_state, &key, &fresh);
}

/*
 * Fold a REL event into its device's frame (ds: NULL when the device has no state). A frame
 * belongs to the user of its first event: should the seat change hands within a frame, the
 * frame restarts rather than mix two users.
 */
static __always_inline int evtap_fold(struct evtap_device_state *ds, const struct evtap_source *src,
				      __u32 code, __s32 value)
{
	static const struct evtap_frame empty;
	struct evtap_frame *f;

	if (!ds)
		return EVTAP_STAT_LOST_FRAME_MAP_FULL;
	f = &ds->frame;
	if (!f->pending || f->src.uid != src->uid) {
		*f = empty;
		f->src = *src;
		f->pending = 1;
	}
	if (code == REL_X)
		f->dx += value;
	else if (code == REL_Y)
		f->dy += value;
	else if (code == REL_WHEEL)
		f->wheel += value;
	else
		f->hwheel += value;
	return EVTAP_STAT_COALESCED;
}

/*
 * SYN_REPORT closes the device's frame: at most one motion and one wheel record, stamped with
 * the frame's first event (when the movement began). No gate here: every folded event passed
 * it as it came, and the frame carries its user and level.
 */
static __always_inline int evtap_flush(void *ctx, struct evtap_device_state *ds)
{
	int outcome = EVTAP_STAT_COALESCED, wheel;
	struct evtap_frame *f;

	if (!ds || !ds->frame.pending)
		return EVTAP_STAT_COALESCED;
	f = &ds->frame;
	f->pending = 0;
	if (f->dx || f->dy)
		outcome = evtap_emit(ctx, &f->src, EVTAP_KIND_MOTION, 0, f->dx, f->dy);
	if (f->wheel || f->hwheel) {
		wheel = evtap_emit(ctx, &f->src, EVTAP_KIND_WHEEL, 0, f->wheel, f->hwheel);
		if (outcome != EVTAP_STAT_LOST_RINGBUF_FULL)
			outcome = wheel;
	}
	return outcome;
}

static __always_inline int evtap_outcome(void *ctx, struct evtap_device_state *ds, __u32 dev,
					 __u32 type, __u32 code, __s32 value, __u64 now)
{
	struct evtap_source src;
	int reason;

	if (type == EV_SYN)
		return code == SYN_REPORT ? evtap_flush(ctx, ds) : EVTAP_STAT_FILTERED;
	if (!evtap_is_kept(type, code))
		return EVTAP_STAT_FILTERED;
	reason = evtap_attribute(dev, now, &src);
	if (reason)
		return reason;
	if (src.level == EVTAP_LEVEL_COUNTS)
		return evtap_count(src.uid, type, code, value);
	if (type == EV_KEY)
		return evtap_emit_key(ctx, &src, code, value);
	if (type == EV_REL)
		return evtap_fold(ds, &src, code, value);
	return evtap_emit(ctx, &src, EVTAP_KIND_ABS, code, value, 0);
}

/* An event the input core will drop, such as a key reported in the state it is already in. */
static __always_inline void evtap_capture_ignored(void)
{
	evtap_count_event(EVTAP_STAT_FILTERED);
}

/*
 * One input event. ctx is the program's context; ds is the device's state (NULL when the map
 * cannot take it: its REL events are then lost, and counted) and dev the N of its "inputN";
 * now is CLOCK_MONOTONIC ns, or 0 to read the clock, which is then done only for events that
 * pass the filter and the seat gate. Counts the event as SEEN and under exactly one outcome.
 */
static __always_inline void evtap_capture(void *ctx, struct evtap_device_state *ds, __u32 dev,
					  __u32 type, __u32 code, __s32 value, __u64 now)
{
	evtap_count_event(evtap_outcome(ctx, ds, dev, type, code, value, now));
}

#endif /* EVTAP_CAPTURE_BPF_H */
