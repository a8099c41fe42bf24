// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The fleet benchmark's input mix (bench/fleet/mix.h): a cycle is bench/gen.c's mix, 1003
 * input events in 335 records, in time order, and a speed-up plays it in less time.
 */
#include "check.h"
#include "mix.h"

#define T0 1700000000000000000LL

struct tally {
	unsigned int records, events, keys, motion, buttons, wheel;
	int ordered;
	int64_t last;
};

static struct tally play(int speed, int64_t until)
{
	struct tally t = { .ordered = 1, .last = T0 };
	struct evtap_record r;
	struct mix m;
	unsigned int ev;

	mix_init(&m, 1000, 7, speed, T0);
	while (mix_next(&m, until, &r, &ev)) {
		t.records++;
		t.events += ev;
		t.keys += r.kind == EVTAP_KIND_KEY;
		t.motion += r.kind == EVTAP_KIND_MOTION;
		t.buttons += r.kind == EVTAP_KIND_BUTTON;
		t.wheel += r.kind == EVTAP_KIND_WHEEL;
		t.ordered &= r.ts_ns >= t.last && r.uid == 1000;
		t.last = r.ts_ns;
	}
	return t;
}

static void test_one_cycle(void)
{
	struct tally t = play(1, T0 + MIX_CYCLE_NS - 1);

	CHECK_EQ(t.records, MIX_CYCLE_RECORDS);
	CHECK_EQ(t.events, MIX_CYCLE_EVENTS);
	CHECK_EQ(t.keys, 80);
	CHECK_EQ(t.motion, 250);
	CHECK_EQ(t.buttons, 2);
	CHECK_EQ(t.wheel, 3);
	CHECK(t.ordered, "records out of time order");
}

static void test_nothing_early(void)
{
	struct tally t = play(1, T0 - 1);

	CHECK_EQ(t.records, 0);
}

static void test_speed(void)
{
	struct tally t = play(10, T0 + 6 * MIX_CYCLE_NS / 10 - 1);

	CHECK_EQ(t.records, 6 * MIX_CYCLE_RECORDS);
	CHECK_EQ(t.events, 6 * MIX_CYCLE_EVENTS);
	CHECK(t.ordered, "records out of time order");
}

static void test_devices(void)
{
	CHECK_EQ(mix_device(MIX_KEYBOARD)->class, EVTAP_DEV_KEYBOARD);
	CHECK_EQ(mix_device(MIX_MOUSE)->class, EVTAP_DEV_MOUSE);
}

int main(void)
{
	RUN(test_one_cycle);
	RUN(test_nothing_early);
	RUN(test_speed);
	RUN(test_devices);
	CHECK_EXIT();
}
