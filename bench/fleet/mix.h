/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The fleet benchmark's input mix, as the records evtapd stores for it: bench/gen.c's
 * realistic mix (the one docs/BENCHMARKS.md measures bytes on disk with), in 10 s cycles:
 * 6 s of typing at 80 words per minute (a keystroke every 150 ms, held 70 to 110 ms, a space
 * every sixth; each press and release is MSC_SCAN, EV_KEY, SYN_REPORT: 3 input events, one key
 * record), 2 s of mouse motion at 125 Hz (REL_X, REL_Y, SYN_REPORT: 3 events, one motion
 * record per frame), a click (EV_KEY, SYN_REPORT: 2 events, one button record each way) and
 * three wheel detents (REL_WHEEL, REL_WHEEL_HI_RES, SYN_REPORT: 3 events, one wheel record).
 * That is 1003 input events and 335 records per cycle. A speed-up of F plays the same cycle in
 * 10/F s: F times the event rate.
 */
#ifndef EVTAP_BENCH_MIX_H
#define EVTAP_BENCH_MIX_H

#include <stdint.h>
#include "record.h"

#define MIX_CYCLE_RECORDS 335
#define MIX_CYCLE_EVENTS  1003
#define MIX_CYCLE_NS	  10000000000LL
#define MIX_KEYBOARD	  3 /* device indexes */
#define MIX_MOUSE	  4

struct mix_entry {
	int64_t at_ns; /* from the start of the cycle, at speed 1 */
	struct evtap_record rec;
	uint8_t events; /* input events it stands for */
};

struct mix {
	unsigned int seed;
	uint32_t uid;
	int speed;
	int64_t start_ns; /* wall clock: the first cycle's start */
	int64_t n_cycle;  /* the number of the cycle in cycle[] */
	size_t next;	  /* the next entry of cycle[] to hand out */
	struct mix_entry cycle[MIX_CYCLE_RECORDS];
};

/* A mix for uid from start_ns (wall clock), at speed times the rate, its keys and motion drawn
 * from seed. */
void mix_init(struct mix *m, uint32_t uid, unsigned int seed, int speed, int64_t start_ns);

/*
 * The next record due at or before now_ns (wall clock), with its time, into rec; the input
 * events it stands for into *events. Returns 1, or 0 if none is due yet.
 */
int mix_next(struct mix *m, int64_t now_ns, struct evtap_record *rec, unsigned int *events);

/* The devices the records name (MIX_KEYBOARD, MIX_MOUSE). */
const struct evtap_device *mix_device(uint32_t index);

#endif /* EVTAP_BENCH_MIX_H */
