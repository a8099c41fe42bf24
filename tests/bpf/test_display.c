// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The display aggregation and gate (bpf/display.bpf.h), driven through BPF_PROG_TEST_RUN on the
 * evtap_test_display wrapper with made-up commits, flips and damage reports. The DRM hooks
 * themselves read kernel memory, which needs the VM (tests/vm/display.sh). Runs as root on any
 * kernel with BTF.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "check.h"
#include "evtap.h"
#include "evtap_test.skel.h"

#define T0    1000000000000ull /* CLOCK_MONOTONIC at the made-up events: 1000 s */
#define UID_A 1000

static struct evtap_test_bpf *skel;

static bool fx_open(__u32 max_keys)
{
	skel = evtap_test_bpf__open();
	CHECK(skel, "open: %s", strerror(errno));
	if (!skel)
		return false;
	if (max_keys)
		bpf_map__set_max_entries(skel->maps.display, max_keys);
	skel->data->fleet = (struct evtap_fleet){ .level = EVTAP_LEVEL_FULL };
	CHECK(!evtap_test_bpf__load(skel), "load (as root?)");
	return !check_test_failed;
}

static void set_seat(__u32 uid, int locked)
{
	struct evtap_seat s = { .uid = uid, .locked = locked };
	__u32 seat = 0;

	CHECK(!bpf_map__update_elem(skel->maps.seats, &seat, sizeof(seat), &s, sizeof(s), 0));
}

static void set_consent(__u32 uid, const struct evtap_consent *c)
{
	CHECK(!bpf_map__update_elem(skel->maps.consent, &uid, sizeof(uid), c, sizeof(*c), 0));
}

static void send(__u32 crtc, __u32 what, __u64 ppm)
{
	__u64 args[4] = { crtc, what, ppm, T0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = sizeof(args));
	int err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.evtap_test_display), &opts);

	CHECK(!err && !opts.retval, "test run: %s", strerror(-err));
}

/* {uid, crtc}'s totals summed over CPUs; false when there is no entry. */
static bool read_display(__u32 uid, __u32 crtc, struct evtap_display *sum)
{
	int ncpus = libbpf_num_possible_cpus();
	struct evtap_display per_cpu[ncpus];
	struct evtap_display_key key = { .uid = uid, .crtc = crtc };

	memset(sum, 0, sizeof(*sum));
	if (bpf_map__lookup_elem(skel->maps.display, &key, sizeof(key), per_cpu, sizeof(per_cpu),
				 0))
		return false;
	for (int i = 0; i < ncpus; i++) {
		sum->commits += per_cpu[i].commits;
		sum->flips += per_cpu[i].flips;
		sum->damage_events += per_cpu[i].damage_events;
		sum->damage_ppm += per_cpu[i].damage_ppm;
	}
	return true;
}

static void read_stats(__u64 out[EVTAP_STAT_MAX])
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 per_cpu[ncpus];

	for (__u32 s = 0; s < EVTAP_STAT_MAX; s++) {
		out[s] = 0;
		CHECK(!bpf_map__lookup_elem(skel->maps.display_stats, &s, sizeof(s), per_cpu,
					    sizeof(per_cpu), 0));
		for (int i = 0; i < ncpus; i++)
			out[s] += per_cpu[i];
	}
}

/* Aggregation per {uid, crtc}: commits, flips, damage events and the summed fraction. */
static void test_aggregate(void)
{
	struct evtap_display d;
	__u64 st[EVTAP_STAT_MAX];

	if (!fx_open(0))
		return;
	set_seat(UID_A, 0);
	send(0, EVTAP_DISPLAY_COMMIT, 0);
	send(0, EVTAP_DISPLAY_COMMIT, 0);
	send(0, EVTAP_DISPLAY_FLIP, EVTAP_DISPLAY_FULL_PPM);
	send(0, EVTAP_DISPLAY_DAMAGE, 250000);
	send(0, EVTAP_DISPLAY_DAMAGE, 1000);
	send(1, EVTAP_DISPLAY_DAMAGE, 5);
	send(0, EVTAP_DISPLAY_DAMAGE, 0); /* an empty clip: nothing to count */
	CHECK(read_display(UID_A, 0, &d));
	CHECK_EQ(d.commits, 2);
	CHECK_EQ(d.flips, 1);
	CHECK_EQ(d.damage_events, 2);
	CHECK_EQ(d.damage_ppm, 1251000);
	CHECK(read_display(UID_A, 1, &d));
	CHECK_EQ(d.damage_events, 1);
	CHECK_EQ(d.damage_ppm, 5);
	read_stats(st);
	CHECK_EQ(st[EVTAP_STAT_SEEN], 7);
	CHECK_EQ(st[EVTAP_STAT_COUNTED], 6);
	CHECK_EQ(st[EVTAP_STAT_FILTERED], 1);
	evtap_test_bpf__destroy(skel);
}

/* Every gate holds display activity back, counted by reason; level counts is enough. */
static void test_gate(void)
{
	struct evtap_consent out = { .level = EVTAP_LEVEL_FULL, .opted_out = 1 };
	struct evtap_consent paused = { .level = EVTAP_LEVEL_FULL, .paused_until = T0 + 1 };
	struct evtap_consent off = { .level = EVTAP_LEVEL_OFF };
	struct evtap_consent counts = { .level = EVTAP_LEVEL_COUNTS };
	struct evtap_display d;
	__u64 st[EVTAP_STAT_MAX], sum = 0;

	if (!fx_open(0))
		return;
	set_seat(EVTAP_UID_NONE, 0);
	send(0, EVTAP_DISPLAY_COMMIT, 0);
	set_seat(UID_A, 1);
	send(0, EVTAP_DISPLAY_COMMIT, 0);
	set_seat(UID_A, 0);
	set_consent(UID_A, &out);
	send(0, EVTAP_DISPLAY_FLIP, 1);
	set_consent(UID_A, &paused);
	send(0, EVTAP_DISPLAY_DAMAGE, 1);
	set_consent(UID_A, &off);
	send(0, EVTAP_DISPLAY_DAMAGE, 1);
	CHECK(!read_display(UID_A, 0, &d), "a gated user has an entry");
	set_consent(UID_A, &counts);
	send(0, EVTAP_DISPLAY_DAMAGE, 7);
	CHECK(read_display(UID_A, 0, &d));
	CHECK_EQ(d.damage_events, 1);
	CHECK_EQ(d.damage_ppm, 7);
	read_stats(st);
	CHECK_EQ(st[EVTAP_STAT_SEEN], 6);
	CHECK_EQ(st[EVTAP_STAT_GATE_NO_SESSION], 1);
	CHECK_EQ(st[EVTAP_STAT_GATE_LOCKED], 1);
	CHECK_EQ(st[EVTAP_STAT_GATE_OPTED_OUT], 1);
	CHECK_EQ(st[EVTAP_STAT_GATE_PAUSED], 1);
	CHECK_EQ(st[EVTAP_STAT_GATE_LEVEL_OFF], 1);
	CHECK_EQ(st[EVTAP_STAT_COUNTED], 1);
	for (int s = EVTAP_STAT_SEEN + 1; s < EVTAP_STAT_MAX; s++)
		sum += st[s];
	CHECK_EQ(sum, st[EVTAP_STAT_SEEN]);
	/* Fleet off, or default skip for a user who never chose: nothing either. */
	CHECK(!bpf_map__delete_elem(skel->maps.consent, &(__u32){ UID_A }, sizeof(__u32), 0));
	skel->data->fleet.default_consent = EVTAP_DEFAULT_SKIP;
	send(0, EVTAP_DISPLAY_COMMIT, 0);
	read_stats(st);
	CHECK_EQ(st[EVTAP_STAT_GATE_LEVEL_OFF], 2);
	evtap_test_bpf__destroy(skel);
}

/* A full map loses the new key's activity, counted, and keeps the old keys counting. */
static void test_map_full(void)
{
	struct evtap_display d;
	__u64 st[EVTAP_STAT_MAX];

	if (!fx_open(1))
		return;
	set_seat(UID_A, 0);
	send(0, EVTAP_DISPLAY_COMMIT, 0);
	send(1, EVTAP_DISPLAY_COMMIT, 0);
	send(0, EVTAP_DISPLAY_COMMIT, 0);
	CHECK(read_display(UID_A, 0, &d));
	CHECK_EQ(d.commits, 2);
	read_stats(st);
	CHECK_EQ(st[EVTAP_STAT_LOST_COUNTS_MAP_FULL], 1);
	CHECK_EQ(st[EVTAP_STAT_COUNTED], 2);
	evtap_test_bpf__destroy(skel);
}

int main(void)
{
	RUN(test_aggregate);
	RUN(test_gate);
	RUN(test_map_full);
	CHECK_EXIT();
}
