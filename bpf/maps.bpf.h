/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The maps and the fleet policy shared by the capture programs (evtap.bpf.c) and their test
 * wrapper (evtap_test.bpf.c): both skeletons expose the same maps, so the tests exercise the
 * same layout the collector fills.
 */
#ifndef EVTAP_MAPS_BPF_H
#define EVTAP_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <linux/input-event-codes.h>
#include "evtap.h"

/*
 * Records to the collector; userspace may resize it before load (a power of two of pages). On
 * the perf-buffer path (kernels before 5.8, or --buffer perf) userspace retypes it before load
 * to a BPF_MAP_TYPE_PERF_EVENT_ARRAY, one slot per CPU (libbpf-tools' compat.c pattern).
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

/*
 * Which of the two the programs write to, set by userspace before load. .rodata is frozen at
 * load, so the verifier knows the value and never walks the other path: the ring buffer
 * helpers are never checked against a perf event array, nor the reverse.
 */
const volatile bool use_perf_buffer = false;

/*
 * Outcome counters, indexed by enum evtap_stat, all in the one entry of a per-CPU array:
 * counting takes no lock, and an event's two counts (SEEN and its outcome) one lookup.
 */
struct evtap_stats {
	__u64 n[EVTAP_STAT_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct evtap_stats);
} stats SEC(".maps");

/* Seat state by seat id: who is active and whether the session is locked. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EVTAP_MAX_SEATS);
	__type(key, __u32);
	__type(value, struct evtap_seat);
} seats SEC(".maps");

/* Device index to seat id, for devices not on seat0 (absent: seat0). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EVTAP_MAX_DEVICES);
	__type(key, __u32);
	__type(value, __u32);
} device_seats SEC(".maps");

/* Each user's own choice, by uid; a user with no entry never chose. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EVTAP_MAX_USERS);
	__type(key, __u32);
	__type(value, struct evtap_consent);
} consent SEC(".maps");

/* Level counts aggregates by uid, cumulative since load: the collector takes deltas. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, EVTAP_MAX_USERS);
	__type(key, __u32);
	__type(value, struct evtap_counts);
} counts SEC(".maps");

/*
 * A device's REL events since its last SYN_REPORT. The source is that of the frame's first
 * event: its user, level and (coarsened) time.
 */
struct evtap_source {
	__u64 ts_ns;
	__u32 uid;
	__u32 dev;
	__u32 level;
};

struct evtap_frame {
	struct evtap_source src;
	__s32 dx;
	__s32 dy;
	__s32 wheel;
	__s32 hwheel;
	__u32 pending; /* 1 once an event was folded in since the last SYN_REPORT */
};

/*
 * What the programs keep per device: its index, parsed once from its "inputN" name rather than
 * for every event, its pending frame, and a copy of the keys it supports (input_dev.keybit, set
 * before the device registers and then fixed), read once rather than for every key event;
 * has_keybit is 0 where no copy was made (a state created by index alone), no_rel 1 when the
 * device cannot report REL events (input_dev.evbit), so never has a frame. Keyed by the device's
 * sysfs node id, which kernfs never reuses within a boot, so an entry cannot outlive its device and
 * describe another; a device without a node id is keyed by EVTAP_DEV_KEY_BY_INDEX | its index,
 * which no node id reaches. LRU, so that unplugged devices age out.
 */
#define EVTAP_DEV_KEY_BY_INDEX (1ULL << 63)

/* The 12 words of input_dev.keybit, rounded up to a power of two (see evtap_key_unchanged). */
#define EVTAP_KEY_WORDS 16

struct evtap_device_state {
	__u32 index;
	__u32 has_keybit;
	struct evtap_frame frame;
	__u32 no_rel;
	__u32 pad;
	__u64 keybit[EVTAP_KEY_WORDS];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EVTAP_MAX_DEVICES);
	__type(key, __u64);
	__type(value, struct evtap_device_state);
} device_state SEC(".maps");

/*
 * Each CPU's last device that cannot report REL events (a keyboard), for each of the two hooks:
 * its node id (0: none), index and keys, which are all that its events need, so that they skip
 * the hash lookup of its state (about 120 instructions under the plugin's count). One entry per
 * hook, since each program runs at most once at a time on a CPU (the kernel skips a nested run)
 * but the two hooks' programs may nest (an interrupt's input_event within an injection): an
 * entry is never written while it is read.
 */
enum evtap_hook_id {
	EVTAP_HOOK_EVENT,  /* input_event */
	EVTAP_HOOK_INJECT, /* input_inject_event */
	EVTAP_HOOK_MAX,
};

struct evtap_device_cache {
	__u64 node_id;
	__u32 index;
	__u32 pad;
	__u64 keybit[EVTAP_KEY_WORDS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EVTAP_HOOK_MAX);
	__type(key, __u32);
	__type(value, struct evtap_device_cache);
} device_cache SEC(".maps");

/*
 * Set by the collector once it routes any device off seat0: until then every device is on
 * seat0 and no event needs the device_seats lookup.
 */
volatile bool devices_routed;

/*
 * The fleet policy, in .data so that the collector sets it before load and updates it live
 * through the skeleton's mmap; volatile so that every event reads the current policy. Until
 * the collector says otherwise, nothing is captured.
 */
volatile struct evtap_fleet fleet SEC(".data") = {
	.level = EVTAP_LEVEL_OFF,
	.default_consent = EVTAP_DEFAULT_SKIP,
};

/* The map value for key, created empty on first use; NULL when the map is full. */
static __always_inline void *evtap_get_or_create(void *map, const void *key, const void *empty)
{
	void *value = bpf_map_lookup_elem(map, key);

	if (value)
		return value;
	/* NOEXIST: another CPU may have just created it, which is as good. */
	bpf_map_update_elem(map, key, empty, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

#endif /* EVTAP_MAPS_BPF_H */
