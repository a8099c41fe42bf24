// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The collector's second check, over the kernel layer's double: a record the kernel reserved
 * before an opt-out, a pause or a lower level took effect is dropped when it is read, under
 * its reason; what is still allowed is stored; the counts map becomes one record per interval.
 */
#include <string.h>
#include "check.h"
#include "clock.h"
#include "harness.h"

static struct harness h;
static struct evtap_record recs[16];

/* Each test says when an interval has passed. */
#define CONF HARNESS_NO_INTERVALS

/* Changes consent while records are still in the ring. */
static void set_consent(uid_t uid, int opted_out, int level, int64_t paused_until)
{
	CHECK_EQ(harness_set_consent(&h, uid, opted_out, level, paused_until), 0);
}

static void test_opt_out_drops_reserved(void)
{
	HARNESS_START(&h, CONF);
	harness_push(HARNESS_ALICE, EVTAP_KIND_KEYCLASS, EVTAP_CLASS_LETTER, 1);
	harness_push(HARNESS_ALICE, EVTAP_KIND_BUTTON, 272, 1);
	harness_push(HARNESS_BOB, EVTAP_KIND_KEYCLASS, EVTAP_CLASS_SPACE, 1);
	set_consent(HARNESS_ALICE, 1, EVTAP_LEVEL_FULL, 0); /* while both are in the ring */
	daemon_periodic_work(&h.d);
	CHECK_EQ(h.d.stats.received, 3);
	CHECK_EQ(h.d.stats.dropped[EVTAP_STAT_GATE_OPTED_OUT], 2);
	CHECK_EQ(harness_read_user(&h, HARNESS_ALICE, recs, 16), 0);
	CHECK_EQ(harness_read_user(&h, HARNESS_BOB, recs, 16), 1);
	harness_stop(&h);
}

static void test_pause_drops_reserved(void)
{
	HARNESS_START(&h, CONF);
	harness_push(HARNESS_ALICE, EVTAP_KIND_KEYCLASS, EVTAP_CLASS_LETTER, 1);
	set_consent(HARNESS_ALICE, 0, EVTAP_LEVEL_FULL, clock_wall_ns() + 60 * 1000000000LL);
	daemon_periodic_work(&h.d);
	CHECK_EQ(h.d.stats.dropped[EVTAP_STAT_GATE_PAUSED], 1);
	CHECK_EQ(h.d.stats.dropped[EVTAP_STAT_GATE_OPTED_OUT], 0);
	CHECK_EQ(harness_read_user(&h, HARNESS_ALICE, recs, 16), 0);
	harness_stop(&h);
}

/* A lower level drops only the kinds it no longer allows: key codes first, then classes. */
static void test_lower_level_drops_unwanted(void)
{
	HARNESS_START(&h, CONF "level = full\n");
	harness_push(HARNESS_ALICE, EVTAP_KIND_KEY, 30, 1);
	harness_push(HARNESS_ALICE, EVTAP_KIND_KEYCLASS, EVTAP_CLASS_LETTER, 1);
	set_consent(HARNESS_ALICE, 0, EVTAP_LEVEL_CLASSES, 0);
	daemon_periodic_work(&h.d);
	CHECK_EQ(h.d.stats.dropped[EVTAP_STAT_GATE_LEVEL_OFF], 1);
	CHECK_EQ(harness_read_user(&h, HARNESS_ALICE, recs, 16), 1);
	CHECK_EQ(recs[0].kind, EVTAP_KIND_KEYCLASS);

	harness_push(HARNESS_ALICE, EVTAP_KIND_KEYCLASS, EVTAP_CLASS_DIGIT, 1);
	set_consent(HARNESS_ALICE, 0, EVTAP_LEVEL_COUNTS, 0);
	daemon_periodic_work(&h.d);
	CHECK_EQ(h.d.stats.dropped[EVTAP_STAT_GATE_LEVEL_OFF], 2);
	CHECK_EQ(harness_read_user(&h, HARNESS_ALICE, recs, 16), 1);
	harness_stop(&h);
}

/* What the second check lets through is stored as the kernel sent it, in wall-clock time. */
static void test_allowed_stored(void)
{
	int64_t before = clock_wall_ns(), after;

	HARNESS_START(&h, CONF "level = full\n");
	harness_push(HARNESS_ALICE, EVTAP_KIND_KEY, 30, 1);
	harness_push(HARNESS_ALICE, EVTAP_KIND_KEY, 30, 0);
	daemon_periodic_work(&h.d);
	after = clock_wall_ns();
	CHECK_EQ(harness_read_user(&h, HARNESS_ALICE, recs, 16), 2);
	CHECK_EQ(recs[0].uid, HARNESS_ALICE);
	CHECK_EQ(recs[0].kind, EVTAP_KIND_KEY);
	CHECK_EQ(recs[0].code, 30);
	CHECK_EQ(recs[0].value, 1);
	CHECK_EQ(recs[1].value, 0);
	/* Rounded to the clock's resolution in the store: a microsecond either way. */
	CHECK(recs[0].ts_ns >= before - 1000 && recs[1].ts_ns <= after + 1000,
	      "%lld not in [%lld, %lld]", (long long)recs[0].ts_ns, (long long)before,
	      (long long)after);
	for (int i = 0; i < EVTAP_STAT_MAX; i++)
		CHECK_EQ(h.d.stats.dropped[i], 0);
	harness_stop(&h);
}

/* One count interval ends at the next daemon_periodic_work. */
static void end_interval(void)
{
	h.d.last_counts = clock_mono_ns() - h.d.cfg->count_interval_ns;
	daemon_periodic_work(&h.d);
}

/* The kernel's counts are cumulative: each interval's record holds what happened in it. */
static void test_counts_deltas(void)
{
	struct evtap_counts *alice = &kernel_double.counts[HARNESS_ALICE];

	HARNESS_START(&h, CONF "level = counts\n");
	alice->keys[EVTAP_CLASS_LETTER] = 5;
	alice->clicks = 2;
	end_interval();
	alice->keys[EVTAP_CLASS_LETTER] = 8;
	alice->motion = 40;
	end_interval();
	end_interval(); /* nothing happened: no record */
	CHECK_EQ(h.d.stats.counts_records, 2);
	CHECK_EQ(harness_read_user(&h, HARNESS_ALICE, recs, 16), 2);
	CHECK_EQ(recs[0].kind, EVTAP_KIND_COUNTS);
	CHECK_EQ(recs[0].counts.keys[EVTAP_CLASS_LETTER], 5);
	CHECK_EQ(recs[0].counts.clicks, 2);
	CHECK_EQ(recs[0].counts.motion, 0);
	CHECK_EQ(recs[1].counts.keys[EVTAP_CLASS_LETTER], 3);
	CHECK_EQ(recs[1].counts.clicks, 0);
	CHECK_EQ(recs[1].counts.motion, 40);
	CHECK(recs[0].counts.interval_ms >= 3600 * 1000, "%u", recs[0].counts.interval_ms);
	harness_stop(&h);
}

/* The counts of a user who opted out since are checked as any record, and dropped. */
static void test_counts_second_check(void)
{
	HARNESS_START(&h, CONF "level = counts\n");
	kernel_double.counts[HARNESS_ALICE].scroll = 3;
	kernel_double.counts[HARNESS_BOB].scroll = 4;
	set_consent(HARNESS_ALICE, 1, EVTAP_LEVEL_FULL, 0);
	end_interval();
	CHECK_EQ(h.d.stats.dropped[EVTAP_STAT_GATE_OPTED_OUT], 1);
	CHECK_EQ(h.d.stats.counts_records, 1);
	CHECK_EQ(harness_read_user(&h, HARNESS_ALICE, recs, 16), 0);
	CHECK_EQ(harness_read_user(&h, HARNESS_BOB, recs, 16), 1);
	CHECK_EQ(recs[0].counts.scroll, 4);
	harness_stop(&h);
}

int main(void)
{
	RUN(test_opt_out_drops_reserved);
	RUN(test_pause_drops_reserved);
	RUN(test_lower_level_drops_unwanted);
	RUN(test_allowed_stored);
	RUN(test_counts_deltas);
	RUN(test_counts_second_check);
	CHECK_EXIT();
}
