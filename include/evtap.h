/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Structures shared by the kernel programs (bpf/) and the collector (user/).
 * Everything here crosses the ring buffer or a BPF map, so the layouts are fixed-size and
 * explicitly padded: the same bytes are read on both sides.
 */
#ifndef EVTAP_H
#define EVTAP_H

#ifdef __bpf__
/* vmlinux.h already defines the __u8 ... __s64 types. */
#else
#include <linux/types.h>
#endif

/* Capture levels, least to most. The effective level is the lower of fleet and user. */
enum evtap_level {
	EVTAP_LEVEL_OFF = 0,
	EVTAP_LEVEL_COUNTS = 1,
	EVTAP_LEVEL_CLASSES = 2,
	EVTAP_LEVEL_FULL = 3,
};

/* What users who never chose get. */
enum evtap_default_consent {
	EVTAP_DEFAULT_RECORD = 0,
	EVTAP_DEFAULT_SKIP = 1,
};

/* Kinds of record emitted to the ring buffer and kept in the store. */
enum evtap_kind {
	EVTAP_KIND_KEY = 1,	 /* level full: code is the KEY_* code, value 1/0/2 */
	EVTAP_KIND_BUTTON = 2,	 /* code is the BTN_* code, value 1/0/2 */
	EVTAP_KIND_MOTION = 3,	 /* value = dx, value2 = dy, summed over one SYN_REPORT frame */
	EVTAP_KIND_WHEEL = 4,	 /* value = vertical, value2 = horizontal detents, one frame */
	EVTAP_KIND_ABS = 5,	 /* code is the ABS_* code, value the position */
	EVTAP_KIND_KEYCLASS = 6, /* level classes: code is an enum evtap_key_class */
	EVTAP_KIND_COUNTS = 7,	 /* level counts: store-only, built from the counts map */
	EVTAP_KIND_DISPLAY = 8,	 /* display activity, store-only (display issue) */
	EVTAP_KIND_MAX,
};

/* Key classes for level classes: no key code leaves the kernel at that level. */
enum evtap_key_class {
	EVTAP_CLASS_LETTER = 0,
	EVTAP_CLASS_DIGIT,
	EVTAP_CLASS_PUNCT,
	EVTAP_CLASS_SPACE,
	EVTAP_CLASS_ENTER,
	EVTAP_CLASS_DELETE, /* backspace and delete */
	EVTAP_CLASS_TAB,
	EVTAP_CLASS_MODIFIER,
	EVTAP_CLASS_NAVIGATION,
	EVTAP_CLASS_FUNCTION,
	EVTAP_CLASS_OTHER,
	EVTAP_CLASS_MAX,
};

/*
 * Per-CPU counters, indexed by this enum (map "stats"). Every event that enters a program is
 * counted once as SEEN and then exactly once under one outcome, so that
 * SEEN == sum(outcomes) and nothing is lost silently.
 * The outcomes count events, not records: each REL event folded into a frame is COALESCED, and
 * the SYN_REPORT that closes the frame is one event however many records (motion, wheel) it
 * emits: EMITTED when all of them were submitted, LOST_RINGBUF_FULL when one was lost, COALESCED
 * when the frame holds nothing. At level counts every event that passed the gate is COUNTED,
 * whether or not it adds to a counter (key releases, ABS).
 */
enum evtap_stat {
	EVTAP_STAT_SEEN = 0,
	EVTAP_STAT_EMITTED,   /* a record reached the ring buffer */
	EVTAP_STAT_COALESCED, /* REL/SYN folded into a frame record, or a frame with nothing */
	EVTAP_STAT_COUNTED,   /* aggregated in the kernel at level counts */
	EVTAP_STAT_FILTERED,  /* never leaves the kernel by design: MSC_SCAN, other types */
	EVTAP_STAT_GATE_NO_SESSION, /* the seat has no active user */
	EVTAP_STAT_GATE_LOCKED,	    /* the seat's session is locked */
	EVTAP_STAT_GATE_OPTED_OUT,
	EVTAP_STAT_GATE_PAUSED,
	EVTAP_STAT_GATE_LEVEL_OFF, /* effective level off: fleet, user's choice or default skip */
	EVTAP_STAT_LOST_RINGBUF_FULL,
	EVTAP_STAT_LOST_FRAME_MAP_FULL,	 /* no room to coalesce a frame */
	EVTAP_STAT_LOST_COUNTS_MAP_FULL, /* no room for one more user at level counts */
	EVTAP_STAT_MAX,
};

#define EVTAP_UID_NONE	  0xffffffffu
#define EVTAP_DEV_UNKNOWN 0xffffffffu /* the device's name could not be read */
#define EVTAP_MAX_SEATS	  16
#define EVTAP_MAX_USERS	  4096
#define EVTAP_MAX_DEVICES 1024

/* Ring buffer record: 32 bytes. */
struct evtap_event {
	__u64 ts_ns; /* CLOCK_MONOTONIC, coarsened to the fleet's time granularity */
	__u32 uid;   /* the seat's active user when the event happened */
	__u32 dev;   /* N of the device's "inputN" kobject: never reused within a boot */
	__u8 kind;   /* enum evtap_kind */
	__u8 level;  /* the effective level the kernel applied */
	__u16 code;
	__s32 value;
	__s32 value2;
	__u32 pad;
};

/* Map "seats", indexed by seat id (seat0 is 0). Written by the collector. */
struct evtap_seat {
	__u32 uid; /* EVTAP_UID_NONE: no active session, or a greeter */
	__u8 locked;
	__u8 pad[3];
};

/* Map "consent", keyed by uid. A user with no entry never chose. Written by the collector. */
struct evtap_consent {
	__u8 level;	/* the user's own ceiling, enum evtap_level */
	__u8 opted_out; /* 1: nothing of this user is captured */
	__u8 pad[6];
	__u64 paused_until; /* CLOCK_MONOTONIC ns; capture nothing before it */
};

/* Global ".data" of the kernel programs: the fleet's policy, updated by the collector. */
struct evtap_fleet {
	__u8 level;	      /* enum evtap_level */
	__u8 default_consent; /* enum evtap_default_consent */
	__u8 pad[2];
	__u32 wakeup_bytes; /* wake the collector only once this much is buffered (0: always) */
	__u64 time_granularity_ns; /* 0 or 1: exact */
};

/* Map "counts", per-CPU, keyed by uid: cumulative since load, the collector takes deltas. */
struct evtap_counts {
	__u64 keys[EVTAP_CLASS_MAX]; /* key presses by class */
	__u64 clicks;		     /* button presses */
	__u64 motion;		     /* |dx| + |dy| summed */
	__u64 scroll;		     /* |wheel detents| summed, both axes */
};

/*
 * Display activity (docs/DISPLAY.md). Map "display", per-CPU, keyed by {uid, crtc}: cumulative
 * since load, the collector takes deltas. uid is seat0's active user; crtc is the CRTC's index
 * in its DRM device (the fbdev emulation's damage is counted on the CRTC its helper drives).
 */
struct evtap_display_key {
	__u32 uid;
	__u32 crtc;
};

struct evtap_display {
	__u64 commits;	     /* atomic commits that included the CRTC */
	__u64 flips;	     /* commits that gave a plane on the CRTC another framebuffer */
	__u64 damage_events; /* damage reports: fbdev damage work, dirtyfb calls */
	__u64 damage_ppm;    /* damaged area, summed as parts per million of the frame */
};

/* What a display program saw, for evtap_display_event. */
enum evtap_display_what {
	EVTAP_DISPLAY_COMMIT = 0,
	EVTAP_DISPLAY_FLIP,
	EVTAP_DISPLAY_DAMAGE,
};

/* The display hooks, indexing map "display_hits" (hook entries, before any gate). */
enum evtap_display_hook {
	EVTAP_DHOOK_ATOMIC_COMMIT = 0,
	EVTAP_DHOOK_ATOMIC_NONBLOCKING_COMMIT,
	EVTAP_DHOOK_FB_HELPER_DAMAGE_WORK,
	EVTAP_DHOOK_DIRTYFB_IOCTL,
	EVTAP_DHOOK_VBLANK_EVENT_DELIVERED,
	EVTAP_DHOOK_MAX,
};

#define EVTAP_DISPLAY_FULL_PPM	1000000u
#define EVTAP_DISPLAY_MAX_CRTCS 8 /* CRTCs and planes examined per commit */

#endif /* EVTAP_H */
