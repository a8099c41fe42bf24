// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The kernel capture logic (bpf/capture.bpf.h), driven through BPF_PROG_TEST_RUN on the
 * evtap_test wrapper program with made-up events, checked against expectations written out
 * here rather than computed by evtap_policy.h, so that a policy bug cannot hide itself. Runs as
 * root on any kernel with BTF.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/input-event-codes.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "buffer.h"
#include "check.h"
#include "evtap.h"
#include "evtap_test.skel.h"

#define T0	 1000000000000ull /* CLOCK_MONOTONIC at the made-up events: 1000 s */
#define UID_A	 1000
#define UID_B	 1001
#define DEV	 7
#define MAX_RECS 1024

/* The loaded test program, the records read back and the counters at the last look. */
static struct {
	struct evtap_test_bpf *skel;
	struct ring_buffer *rb;
	struct evtap_buffer *pb; /* the perf buffer instead, from fx_open_perf */
	struct evtap_event recs[MAX_RECS];
	int nrecs;
	__u64 stats[EVTAP_STAT_MAX];
	char what[160]; /* the case being checked, for failure messages */
} fx;

#define EXPECT_EQ(a, b, name)                                                                      \
	CHECK((long long)(a) == (long long)(b), "%s: %s: %lld, expected %lld", fx.what, name,      \
	      (long long)(a), (long long)(b))

static int on_record(void *ctx, void *data, size_t size)
{
	CHECK(size == sizeof(struct evtap_event), "record of %zu bytes", size);
	if (fx.nrecs < MAX_RECS)
		memcpy(&fx.recs[fx.nrecs], data, sizeof(fx.recs[0]));
	fx.nrecs++;
	return 0;
}

static void set_fleet(int level, int default_consent)
{
	fx.skel->data->fleet.level = level;
	fx.skel->data->fleet.default_consent = default_consent;
}

static void set_seat(__u32 seat, __u32 uid, int locked)
{
	struct evtap_seat s = { .uid = uid, .locked = locked };

	CHECK(!bpf_map__update_elem(fx.skel->maps.seats, &seat, sizeof(seat), &s, sizeof(s), 0));
}

static void set_consent(__u32 uid, const struct evtap_consent *c)
{
	CHECK(!bpf_map__update_elem(fx.skel->maps.consent, &uid, sizeof(uid), c, sizeof(*c), 0));
}

static void route(__u32 dev, __u32 seat)
{
	CHECK(!bpf_map__update_elem(fx.skel->maps.device_seats, &dev, sizeof(dev), &seat,
				    sizeof(seat), 0));
	fx.skel->bss->devices_routed = true;
}

static void clear_map(struct bpf_map *map)
{
	__u32 size = bpf_map__key_size(map);
	__u64 key;

	while (!bpf_map__get_next_key(map, NULL, &key, size))
		CHECK(!bpf_map__delete_elem(map, &key, size, 0));
}

static void read_stats(__u64 out[EVTAP_STAT_MAX])
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 per_cpu[ncpus][EVTAP_STAT_MAX];
	__u32 zero = 0;

	CHECK(!bpf_map__lookup_elem(fx.skel->maps.stats, &zero, sizeof(zero), per_cpu,
				    sizeof(per_cpu), 0));
	for (int s = 0; s < EVTAP_STAT_MAX; s++) {
		out[s] = 0;
		for (int cpu = 0; cpu < ncpus; cpu++)
			out[s] += per_cpu[cpu][s];
	}
}

/* The counters' increase since the last call. */
static void stats_delta(__u64 delta[EVTAP_STAT_MAX])
{
	__u64 now[EVTAP_STAT_MAX];

	read_stats(now);
	for (int s = 0; s < EVTAP_STAT_MAX; s++)
		delta[s] = now[s] - fx.stats[s];
	memcpy(fx.stats, now, sizeof(now));
}

/* Exactly these outcomes since the last look, and SEEN == the sum of the outcomes. */
static void expect_stats(const __u64 expect[EVTAP_STAT_MAX])
{
	static const char *const names[EVTAP_STAT_MAX] = {
		"SEEN",
		"EMITTED",
		"COALESCED",
		"COUNTED",
		"FILTERED",
		"GATE_NO_SESSION",
		"GATE_LOCKED",
		"GATE_OPTED_OUT",
		"GATE_PAUSED",
		"GATE_LEVEL_OFF",
		"LOST_RINGBUF_FULL",
		"LOST_FRAME_MAP_FULL",
		"LOST_COUNTS_MAP_FULL",
	};
	__u64 delta[EVTAP_STAT_MAX], outcomes = 0;

	stats_delta(delta);
	for (int s = 0; s < EVTAP_STAT_MAX; s++) {
		EXPECT_EQ(delta[s], expect[s], names[s]);
		outcomes += s == EVTAP_STAT_SEEN ? 0 : delta[s];
	}
	EXPECT_EQ(outcomes, delta[EVTAP_STAT_SEEN], "sum of outcomes");
}

static bool fx_open(__u32 ringbuf_bytes, __u32 max_users)
{
	memset(&fx, 0, sizeof(fx));
	snprintf(fx.what, sizeof(fx.what), "setup");
	fx.skel = evtap_test_bpf__open();
	CHECK(fx.skel, "open: %s", strerror(errno));
	if (!fx.skel)
		return false;
	if (ringbuf_bytes)
		bpf_map__set_max_entries(fx.skel->maps.events, ringbuf_bytes);
	if (max_users)
		bpf_map__set_max_entries(fx.skel->maps.counts, max_users);
	/* Set before load, as the collector does: the rest of the changes are live. */
	fx.skel->data->fleet = (struct evtap_fleet){ .level = EVTAP_LEVEL_FULL };
	CHECK(!evtap_test_bpf__load(fx.skel), "load (as root?)");
	fx.rb = ring_buffer__new(bpf_map__fd(fx.skel->maps.events), on_record, NULL, NULL);
	CHECK(fx.rb);
	if (!fx.rb)
		return false;
	set_seat(0, UID_A, 0);
	read_stats(fx.stats);
	return !check_test_failed;
}

/* The perf-buffer path, as evtapd sets it up (user/kernel/kernel.c, user/kernel/buffer.c). */
static bool fx_open_perf(size_t total_bytes)
{
	struct bpf_map *events;
	struct buffer_opts opts = { .perf = true,
				    .record_size = sizeof(struct evtap_event),
				    .total_bytes = total_bytes,
				    .merge_by_ts = true };

	memset(&fx, 0, sizeof(fx));
	snprintf(fx.what, sizeof(fx.what), "setup (perf buffer)");
	fx.skel = evtap_test_bpf__open();
	CHECK(fx.skel, "open: %s", strerror(errno));
	if (!fx.skel)
		return false;
	events = fx.skel->maps.events;
	fx.skel->rodata->use_perf_buffer = true;
	CHECK(!bpf_map__set_type(events, BPF_MAP_TYPE_PERF_EVENT_ARRAY));
	CHECK(!bpf_map__set_key_size(events, sizeof(__u32)));
	CHECK(!bpf_map__set_value_size(events, sizeof(__u32)));
	CHECK(!bpf_map__set_max_entries(events, 0));
	fx.skel->data->fleet = (struct evtap_fleet){ .level = EVTAP_LEVEL_FULL };
	CHECK(!evtap_test_bpf__load(fx.skel), "load (as root?)");
	CHECK(!buffer_new(&fx.pb, bpf_map__fd(events), &opts, on_record, NULL), "perf buffer");
	if (check_test_failed)
		return false;
	set_seat(0, UID_A, 0);
	read_stats(fx.stats);
	return !check_test_failed;
}

static void fx_close(void)
{
	buffer_free(fx.pb);
	ring_buffer__free(fx.rb);
	evtap_test_bpf__destroy(fx.skel);
}

static void send(__u32 dev, __u32 type, __u32 code, __s32 value, __u64 now)
{
	__u64 args[5] = { dev, type, code, (__u32)value, now };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = sizeof(args));
	int err = bpf_prog_test_run_opts(bpf_program__fd(fx.skel->progs.evtap_test_event), &opts);

	CHECK(!err && !opts.retval, "%s: test run: %s", fx.what, strerror(-err));
}

static int consume(void)
{
	fx.nrecs = 0;
	if (fx.pb)
		CHECK(buffer_consume(fx.pb) == fx.nrecs);
	else
		CHECK(ring_buffer__consume(fx.rb) >= 0);
	return fx.nrecs;
}

/* Where and when records come from: their user, level, device and time. */
struct source {
	__u32 uid;
	__u8 level;
	__u32 dev;
	__u64 ts;
};

#define SRC(uid, level) (&(struct source){ uid, level, DEV, T0 })

/* Record i is exactly this one. */
static void expect_rec(int i, const struct source *src, __u8 kind, __u16 code, __s32 value,
		       __s32 value2)
{
	const struct evtap_event *got = &fx.recs[i];

	if (i >= fx.nrecs) {
		EXPECT_EQ(fx.nrecs, i + 1, "records");
		return;
	}
	EXPECT_EQ(got->kind, kind, "kind");
	EXPECT_EQ(got->code, code, "code");
	EXPECT_EQ(got->value, value, "value");
	EXPECT_EQ(got->value2, value2, "value2");
	EXPECT_EQ(got->uid, src->uid, "uid");
	EXPECT_EQ(got->dev, src->dev, "dev");
	EXPECT_EQ(got->level, src->level, "level");
	EXPECT_EQ(got->ts_ns, src->ts, "ts");
	EXPECT_EQ(got->pad, 0, "pad");
}

/* The user's counts summed over CPUs; false when the user has no entry. */
static bool read_counts(__u32 uid, struct evtap_counts *sum)
{
	int ncpus = libbpf_num_possible_cpus();
	struct evtap_counts per_cpu[ncpus];

	memset(sum, 0, sizeof(*sum));
	if (bpf_map__lookup_elem(fx.skel->maps.counts, &uid, sizeof(uid), per_cpu, sizeof(per_cpu),
				 0))
		return false;
	for (int cpu = 0; cpu < ncpus; cpu++) {
		for (int c = 0; c < EVTAP_CLASS_MAX; c++)
			sum->keys[c] += per_cpu[cpu].keys[c];
		sum->clicks += per_cpu[cpu].clicks;
		sum->motion += per_cpu[cpu].motion;
		sum->scroll += per_cpu[cpu].scroll;
	}
	return true;
}

static void expect_counts(__u32 uid, const struct evtap_counts *want)
{
	struct evtap_counts got;

	CHECK(read_counts(uid, &got), "%s: uid %u has no counts", fx.what, uid);
	for (int c = 0; c < EVTAP_CLASS_MAX; c++)
		EXPECT_EQ(got.keys[c], want->keys[c], "keys by class");
	EXPECT_EQ(got.clicks, want->clicks, "clicks");
	EXPECT_EQ(got.motion, want->motion, "motion");
	EXPECT_EQ(got.scroll, want->scroll, "scroll");
}

/*
 * The gate matrix: fleet level x the user's choice x the seat's state, each with the same
 * script of events.
 */
struct consent_case {
	const char *name;
	bool chose;
	struct evtap_consent c;
	int default_consent;
	int reason;  /* the gate this choice closes by itself, whatever the level; 0: none */
	int ceiling; /* the most this choice allows */
};

/* Users who chose get default skip, which must not apply to them. */
static const struct consent_case consent_cases[] = {
	{ "never chose, default record", false, {}, EVTAP_DEFAULT_RECORD, 0, EVTAP_LEVEL_FULL },
	{ "never chose, default skip", false, {}, EVTAP_DEFAULT_SKIP, 0, EVTAP_LEVEL_OFF },
	{ "chose off", true, { .level = EVTAP_LEVEL_OFF }, EVTAP_DEFAULT_SKIP, 0, EVTAP_LEVEL_OFF },
	{ "chose counts",
	  true,
	  { .level = EVTAP_LEVEL_COUNTS },
	  EVTAP_DEFAULT_SKIP,
	  0,
	  EVTAP_LEVEL_COUNTS },
	{ "chose classes",
	  true,
	  { .level = EVTAP_LEVEL_CLASSES },
	  EVTAP_DEFAULT_SKIP,
	  0,
	  EVTAP_LEVEL_CLASSES },
	{ "chose full",
	  true,
	  { .level = EVTAP_LEVEL_FULL },
	  EVTAP_DEFAULT_SKIP,
	  0,
	  EVTAP_LEVEL_FULL },
	{ "opted out",
	  true,
	  { .level = EVTAP_LEVEL_FULL, .opted_out = 1 },
	  EVTAP_DEFAULT_SKIP,
	  EVTAP_STAT_GATE_OPTED_OUT,
	  EVTAP_LEVEL_FULL },
	{ "paused until later",
	  true,
	  { .level = EVTAP_LEVEL_FULL, .paused_until = T0 + 1 },
	  EVTAP_DEFAULT_SKIP,
	  EVTAP_STAT_GATE_PAUSED,
	  EVTAP_LEVEL_FULL },
	{ "paused until earlier",
	  true,
	  { .level = EVTAP_LEVEL_FULL, .paused_until = T0 - 1 },
	  EVTAP_DEFAULT_SKIP,
	  0,
	  EVTAP_LEVEL_FULL },
};

struct seat_case {
	const char *name;
	__u32 uid;
	int locked;
	int reason;
};

static const struct seat_case seat_cases[] = {
	{ "no session", EVTAP_UID_NONE, 0, EVTAP_STAT_GATE_NO_SESSION },
	{ "locked", UID_A, 1, EVTAP_STAT_GATE_LOCKED },
	{ "active", UID_A, 0, 0 },
};

struct input {
	__u32 type, code;
	__s32 value;
};

/* 11 events: 2 filtered, 2 SYN_REPORTs, 7 that the gate decides on. */
static const struct input script[] = {
	{ EV_MSC, MSC_SCAN, 0x1e }, { EV_KEY, KEY_A, 1 },     { EV_SYN, SYN_REPORT, 0 },
	{ EV_KEY, KEY_A, 0 },	    { EV_KEY, BTN_LEFT, 1 },  { EV_REL, REL_X, 3 },
	{ EV_REL, REL_Y, -4 },	    { EV_REL, REL_WHEEL, 1 }, { EV_REL, REL_WHEEL_HI_RES, 120 },
	{ EV_SYN, SYN_REPORT, 0 },  { EV_ABS, ABS_X, 500 },
};

static void send_script(void)
{
	for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++)
		send(DEV, script[i].type, script[i].code, script[i].value, T0);
}

/* What the script must give when the gate closes for reason, or at level counts. */
static void expect_script_held(int reason)
{
	__u64 want[EVTAP_STAT_MAX] = {
		[EVTAP_STAT_SEEN] = 11, [EVTAP_STAT_FILTERED] = 2, [EVTAP_STAT_COALESCED] = 2
	};
	struct evtap_counts none;

	want[reason] = 7;
	expect_stats(want);
	EXPECT_EQ(consume(), 0, "records");
	if (reason == EVTAP_STAT_COUNTED) {
		struct evtap_counts c = {
			.keys[EVTAP_CLASS_LETTER] = 1, .clicks = 1, .motion = 7, .scroll = 1
		};
		expect_counts(UID_A, &c);
	} else {
		CHECK(!read_counts(UID_A, &none), "%s: counts kept", fx.what);
	}
}

static void expect_script_records(int level)
{
	__u64 want[EVTAP_STAT_MAX] = { [EVTAP_STAT_SEEN] = 11,
				       [EVTAP_STAT_FILTERED] = 2,
				       [EVTAP_STAT_COALESCED] = 4,
				       [EVTAP_STAT_EMITTED] = 5 };
	int full = level == EVTAP_LEVEL_FULL;
	__u8 key = full ? EVTAP_KIND_KEY : EVTAP_KIND_KEYCLASS;
	__u16 code = full ? KEY_A : EVTAP_CLASS_LETTER;
	struct evtap_counts none;

	expect_stats(want);
	EXPECT_EQ(consume(), 6, "records");
	expect_rec(0, SRC(UID_A, level), key, code, 1, 0);
	expect_rec(1, SRC(UID_A, level), key, code, 0, 0);
	expect_rec(2, SRC(UID_A, level), EVTAP_KIND_BUTTON, BTN_LEFT, 1, 0);
	expect_rec(3, SRC(UID_A, level), EVTAP_KIND_MOTION, 0, 3, -4);
	expect_rec(4, SRC(UID_A, level), EVTAP_KIND_WHEEL, 0, 1, 0);
	expect_rec(5, SRC(UID_A, level), EVTAP_KIND_ABS, ABS_X, 500, 0);
	CHECK(!read_counts(UID_A, &none), "%s: counts kept", fx.what);
}

static void matrix_case(int level, const struct seat_case *sc, const struct consent_case *cc)
{
	int reason = sc->reason ?: cc->reason;
	int effective = level < cc->ceiling ? level : cc->ceiling;

	snprintf(fx.what, sizeof(fx.what), "fleet %d, seat %s, user %s", level, sc->name, cc->name);
	clear_map(fx.skel->maps.consent);
	clear_map(fx.skel->maps.counts);
	clear_map(fx.skel->maps.device_state);
	set_fleet(level, cc->default_consent);
	set_seat(0, sc->uid, sc->locked);
	if (cc->chose)
		set_consent(UID_A, &cc->c);
	send_script();
	if (!reason && effective == EVTAP_LEVEL_OFF)
		reason = EVTAP_STAT_GATE_LEVEL_OFF;
	if (reason)
		expect_script_held(reason);
	else if (effective == EVTAP_LEVEL_COUNTS)
		expect_script_held(EVTAP_STAT_COUNTED);
	else
		expect_script_records(effective);
}

static void run_matrix(int level)
{
	if (!fx_open(0, 0))
		return;
	for (size_t s = 0; s < sizeof(seat_cases) / sizeof(seat_cases[0]); s++)
		for (size_t c = 0; c < sizeof(consent_cases) / sizeof(consent_cases[0]); c++)
			matrix_case(level, &seat_cases[s], &consent_cases[c]);
	fx_close();
}

static void test_matrix_fleet_off(void)
{
	run_matrix(EVTAP_LEVEL_OFF);
}

static void test_matrix_fleet_counts(void)
{
	run_matrix(EVTAP_LEVEL_COUNTS);
}

static void test_matrix_fleet_classes(void)
{
	run_matrix(EVTAP_LEVEL_CLASSES);
}

static void test_matrix_fleet_full(void)
{
	run_matrix(EVTAP_LEVEL_FULL);
}

/* Never leave the kernel, even at level full with everything allowed. */
static void test_filtered(void)
{
	static const struct input never[] = {
		{ EV_MSC, MSC_SCAN, 0x1e },
		{ EV_MSC, MSC_SCAN, 0x9e },
		{ EV_MSC, MSC_TIMESTAMP, 1 },
		{ EV_LED, LED_CAPSL, 1 },
		{ EV_REP, REP_DELAY, 250 },
		{ EV_SW, SW_LID, 1 },
		{ EV_SYN, SYN_DROPPED, 0 },
		{ EV_SYN, SYN_MT_REPORT, 0 },
		{ EV_REL, REL_WHEEL_HI_RES, 120 },
		{ EV_REL, REL_HWHEEL_HI_RES, -120 },
		{ EV_REL, REL_Z, 1 },
		{ EV_REL, REL_DIAL, 1 },
		{ EV_KEY, KEY_MAX + 1, 1 },
		{ EV_ABS, ABS_MAX + 1, 1 },
		{ 0x10000 | EV_KEY, KEY_A, 1 },
		{ EV_MAX, 0, 1 },
	};
	__u64 want[EVTAP_STAT_MAX] = { [EVTAP_STAT_SEEN] = 16, [EVTAP_STAT_FILTERED] = 16 };

	if (!fx_open(0, 0))
		return;
	snprintf(fx.what, sizeof(fx.what), "filtered events");
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		send(DEV, never[i].type, never[i].code, never[i].value, T0);
	send(DEV, EV_SYN, SYN_REPORT, 0, T0); /* the hi-res wheel left no frame */
	want[EVTAP_STAT_SEEN]++;
	want[EVTAP_STAT_COALESCED]++;
	expect_stats(want);
	EXPECT_EQ(consume(), 0, "records");
	fx_close();
}

static int class_at_classes(__u32 code)
{
	send(DEV, EV_KEY, code, 1, T0);
	if (consume() != 1 || fx.recs[0].kind != EVTAP_KIND_KEYCLASS)
		return -1;
	return fx.recs[0].code;
}

static void test_key_classes(void)
{
	static const struct {
		__u32 code;
		int class;
	} keys[] = {
		{ KEY_A, EVTAP_CLASS_LETTER },
		{ KEY_Q, EVTAP_CLASS_LETTER },
		{ KEY_M, EVTAP_CLASS_LETTER },
		{ KEY_Z, EVTAP_CLASS_LETTER },
		{ KEY_1, EVTAP_CLASS_DIGIT },
		{ KEY_0, EVTAP_CLASS_DIGIT },
		{ KEY_KP5, EVTAP_CLASS_DIGIT },
		{ KEY_KP0, EVTAP_CLASS_DIGIT },
		{ KEY_COMMA, EVTAP_CLASS_PUNCT },
		{ KEY_MINUS, EVTAP_CLASS_PUNCT },
		{ KEY_APOSTROPHE, EVTAP_CLASS_PUNCT },
		{ KEY_102ND, EVTAP_CLASS_PUNCT },
		{ KEY_KPPLUS, EVTAP_CLASS_PUNCT },
		{ KEY_SPACE, EVTAP_CLASS_SPACE },
		{ KEY_ENTER, EVTAP_CLASS_ENTER },
		{ KEY_KPENTER, EVTAP_CLASS_ENTER },
		{ KEY_BACKSPACE, EVTAP_CLASS_DELETE },
		{ KEY_DELETE, EVTAP_CLASS_DELETE },
		{ KEY_TAB, EVTAP_CLASS_TAB },
		{ KEY_LEFTSHIFT, EVTAP_CLASS_MODIFIER },
		{ KEY_RIGHTCTRL, EVTAP_CLASS_MODIFIER },
		{ KEY_LEFTALT, EVTAP_CLASS_MODIFIER },
		{ KEY_RIGHTMETA, EVTAP_CLASS_MODIFIER },
		{ KEY_CAPSLOCK, EVTAP_CLASS_MODIFIER },
		{ KEY_COMPOSE, EVTAP_CLASS_MODIFIER },
		{ KEY_FN, EVTAP_CLASS_MODIFIER },
		{ KEY_UP, EVTAP_CLASS_NAVIGATION },
		{ KEY_LEFT, EVTAP_CLASS_NAVIGATION },
		{ KEY_HOME, EVTAP_CLASS_NAVIGATION },
		{ KEY_PAGEDOWN, EVTAP_CLASS_NAVIGATION },
		{ KEY_INSERT, EVTAP_CLASS_NAVIGATION },
		{ KEY_ESC, EVTAP_CLASS_FUNCTION },
		{ KEY_F1, EVTAP_CLASS_FUNCTION },
		{ KEY_F12, EVTAP_CLASS_FUNCTION },
		{ KEY_F24, EVTAP_CLASS_FUNCTION },
		{ KEY_RESERVED, EVTAP_CLASS_OTHER },
		{ KEY_MUTE, EVTAP_CLASS_OTHER },
		{ KEY_SYSRQ, EVTAP_CLASS_OTHER },
		{ KEY_OK, EVTAP_CLASS_OTHER },
		{ KEY_MAX, EVTAP_CLASS_OTHER },
		{ BTN_TRIGGER_HAPPY1, EVTAP_CLASS_OTHER },
	};

	if (!fx_open(0, 0))
		return;
	set_fleet(EVTAP_LEVEL_CLASSES, EVTAP_DEFAULT_RECORD);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(fx.what, sizeof(fx.what), "key code %u", keys[i].code);
		EXPECT_EQ(class_at_classes(keys[i].code), keys[i].class, "class");
	}
	fx_close();
}

/* Every key code has a class, and the classes have exactly their members. */
static void test_key_class_sizes(void)
{
	static const int size[EVTAP_CLASS_MAX] = {
		[EVTAP_CLASS_LETTER] = 26,
		[EVTAP_CLASS_DIGIT] = 20,
		[EVTAP_CLASS_PUNCT] = 22,
		[EVTAP_CLASS_SPACE] = 1,
		[EVTAP_CLASS_ENTER] = 2,
		[EVTAP_CLASS_DELETE] = 2,
		[EVTAP_CLASS_TAB] = 1,
		[EVTAP_CLASS_MODIFIER] = 13,
		[EVTAP_CLASS_NAVIGATION] = 9,
		[EVTAP_CLASS_FUNCTION] = 25,
		/* every other key code: 256 below the buttons and 416 above them, less those */
		[EVTAP_CLASS_OTHER] = 256 + 416 - 121,
	};
	int got[EVTAP_CLASS_MAX] = { 0 }, class;

	if (!fx_open(0, 0))
		return;
	set_fleet(EVTAP_LEVEL_CLASSES, EVTAP_DEFAULT_RECORD);
	snprintf(fx.what, sizeof(fx.what), "class sizes");
	for (__u32 code = 0; code <= KEY_MAX; code++) {
		if (code == BTN_MISC)
			code = KEY_OK;
		class = class_at_classes(code);
		CHECK(class >= 0 && class < EVTAP_CLASS_MAX, "code %u: class %d", code, class);
		if (class >= 0 && class < EVTAP_CLASS_MAX)
			got[class]++;
	}
	for (int c = 0; c < EVTAP_CLASS_MAX; c++)
		EXPECT_EQ(got[c], size[c], "class size");
	fx_close();
}

/* Buttons are kept as buttons at classes; at full, codes past the buttons are keys. */
static void test_buttons_and_high_keys(void)
{
	if (!fx_open(0, 0))
		return;
	snprintf(fx.what, sizeof(fx.what), "buttons");
	set_fleet(EVTAP_LEVEL_CLASSES, EVTAP_DEFAULT_RECORD);
	send(DEV, EV_KEY, BTN_MISC, 1, T0);
	send(DEV, EV_KEY, BTN_TOUCH, 0, T0);
	send(DEV, EV_KEY, KEY_OK - 1, 2, T0);
	EXPECT_EQ(consume(), 3, "records");
	expect_rec(0, SRC(UID_A, EVTAP_LEVEL_CLASSES), EVTAP_KIND_BUTTON, BTN_MISC, 1, 0);
	expect_rec(1, SRC(UID_A, EVTAP_LEVEL_CLASSES), EVTAP_KIND_BUTTON, BTN_TOUCH, 0, 0);
	expect_rec(2, SRC(UID_A, EVTAP_LEVEL_CLASSES), EVTAP_KIND_BUTTON, KEY_OK - 1, 2, 0);
	set_fleet(EVTAP_LEVEL_FULL, EVTAP_DEFAULT_RECORD);
	send(DEV, EV_KEY, KEY_OK, 1, T0);
	send(DEV, EV_KEY, BTN_TRIGGER_HAPPY1, 2, T0);
	EXPECT_EQ(consume(), 2, "records");
	expect_rec(0, SRC(UID_A, EVTAP_LEVEL_FULL), EVTAP_KIND_KEY, KEY_OK, 1, 0);
	expect_rec(1, SRC(UID_A, EVTAP_LEVEL_FULL), EVTAP_KIND_KEY, BTN_TRIGGER_HAPPY1, 2, 0);
	fx_close();
}

static void test_rel_coalescing(void)
{
	__u64 want[EVTAP_STAT_MAX] = { [EVTAP_STAT_SEEN] = 9,
				       [EVTAP_STAT_COALESCED] = 6,
				       [EVTAP_STAT_FILTERED] = 2,
				       [EVTAP_STAT_EMITTED] = 1 };

	if (!fx_open(0, 0))
		return;
	snprintf(fx.what, sizeof(fx.what), "one frame");
	send(DEV, EV_REL, REL_X, 1, T0);
	send(DEV, EV_REL, REL_X, 2, T0 + 10);
	send(DEV, EV_REL, REL_Y, 5, T0 + 20);
	send(DEV, EV_REL, REL_Y, -1, T0 + 30);
	send(DEV, EV_REL, REL_HWHEEL, -1, T0 + 40);
	send(DEV, EV_REL, REL_WHEEL, 2, T0 + 50);
	send(DEV, EV_REL, REL_WHEEL_HI_RES, 240, T0 + 60);
	send(DEV, EV_REL, REL_HWHEEL_HI_RES, -120, T0 + 70);
	send(DEV, EV_SYN, SYN_REPORT, 0, T0 + 80);
	expect_stats(want);
	EXPECT_EQ(consume(), 2, "records");
	/* Stamped with the frame's first event. */
	expect_rec(0, SRC(UID_A, EVTAP_LEVEL_FULL), EVTAP_KIND_MOTION, 0, 3, 4);
	expect_rec(1, SRC(UID_A, EVTAP_LEVEL_FULL), EVTAP_KIND_WHEEL, 0, 2, -1);

	snprintf(fx.what, sizeof(fx.what), "the frame was reset");
	send(DEV, EV_SYN, SYN_REPORT, 0, T0 + 90);
	send(DEV, EV_REL, REL_WHEEL, -1, T0 + 100);
	send(DEV, EV_SYN, SYN_REPORT, 0, T0 + 110);
	EXPECT_EQ(consume(), 1, "records");
	expect_rec(0, &(struct source){ UID_A, EVTAP_LEVEL_FULL, DEV, T0 + 100 }, EVTAP_KIND_WHEEL,
		   0, -1, 0);

	snprintf(fx.what, sizeof(fx.what), "a frame that moved nowhere");
	send(DEV, EV_REL, REL_X, 1, T0);
	send(DEV, EV_REL, REL_X, -1, T0);
	send(DEV, EV_SYN, SYN_REPORT, 0, T0);
	EXPECT_EQ(consume(), 0, "records");

	snprintf(fx.what, sizeof(fx.what), "two devices");
	send(1, EV_REL, REL_X, 1, T0);
	send(2, EV_REL, REL_X, 10, T0);
	send(1, EV_REL, REL_Y, 2, T0);
	send(2, EV_SYN, SYN_REPORT, 0, T0);
	send(1, EV_SYN, SYN_REPORT, 0, T0);
	EXPECT_EQ(consume(), 2, "records");
	expect_rec(0, &(struct source){ UID_A, EVTAP_LEVEL_FULL, 2, T0 }, EVTAP_KIND_MOTION, 0, 10,
		   0);
	expect_rec(1, &(struct source){ UID_A, EVTAP_LEVEL_FULL, 1, T0 }, EVTAP_KIND_MOTION, 0, 1,
		   2);
	fx_close();
}

/* Each REL event is gated as it comes: a frame holds only what its user allowed. */
static void test_frame_gating(void)
{
	struct evtap_consent out = { .level = EVTAP_LEVEL_FULL, .opted_out = 1 };
	__u64 want[EVTAP_STAT_MAX] = { [EVTAP_STAT_SEEN] = 3,
				       [EVTAP_STAT_COALESCED] = 1,
				       [EVTAP_STAT_GATE_OPTED_OUT] = 1,
				       [EVTAP_STAT_EMITTED] = 1 };

	if (!fx_open(0, 0))
		return;
	snprintf(fx.what, sizeof(fx.what), "opting out within a frame");
	send(DEV, EV_REL, REL_X, 5, T0);
	set_consent(UID_A, &out);
	send(DEV, EV_REL, REL_X, 7, T0);
	send(DEV, EV_SYN, SYN_REPORT, 0, T0);
	expect_stats(want);
	EXPECT_EQ(consume(), 1, "records");
	expect_rec(0, SRC(UID_A, EVTAP_LEVEL_FULL), EVTAP_KIND_MOTION, 0, 5, 0);

	snprintf(fx.what, sizeof(fx.what), "the seat changing hands within a frame");
	clear_map(fx.skel->maps.consent);
	send(DEV, EV_REL, REL_X, 5, T0);
	set_seat(0, UID_B, 0);
	send(DEV, EV_REL, REL_X, 7, T0 + 1);
	send(DEV, EV_SYN, SYN_REPORT, 0, T0 + 2);
	EXPECT_EQ(consume(), 1, "records");
	expect_rec(0, &(struct source){ UID_B, EVTAP_LEVEL_FULL, DEV, T0 + 1 }, EVTAP_KIND_MOTION,
		   0, 7, 0);
	fx_close();
}

static void test_counts(void)
{
	struct evtap_counts a = { .keys = { [EVTAP_CLASS_LETTER] = 2,
					    [EVTAP_CLASS_SPACE] = 1,
					    [EVTAP_CLASS_MODIFIER] = 1 },
				  .clicks = 1,
				  .motion = 7,
				  .scroll = 3 },
			    b = { .keys[EVTAP_CLASS_ENTER] = 1 };
	__u64 want[EVTAP_STAT_MAX] = { [EVTAP_STAT_SEEN] = 18,
				       [EVTAP_STAT_COUNTED] = 14,
				       [EVTAP_STAT_FILTERED] = 2,
				       [EVTAP_STAT_COALESCED] = 2 };

	if (!fx_open(0, 0))
		return;
	snprintf(fx.what, sizeof(fx.what), "level counts");
	set_fleet(EVTAP_LEVEL_COUNTS, EVTAP_DEFAULT_RECORD);
	send(DEV, EV_KEY, KEY_LEFTSHIFT, 1, T0);
	send(DEV, EV_KEY, KEY_H, 1, T0);
	send(DEV, EV_KEY, KEY_H, 2, T0); /* repeats and releases are not presses */
	send(DEV, EV_KEY, KEY_H, 0, T0);
	send(DEV, EV_KEY, KEY_I, 1, T0);
	send(DEV, EV_KEY, KEY_SPACE, 1, T0);
	send(DEV, EV_KEY, BTN_LEFT, 1, T0);
	send(DEV, EV_KEY, BTN_LEFT, 0, T0);
	send(DEV, EV_KEY, BTN_TOUCH, 1, T0); /* a touch is not a click */
	send(DEV, EV_REL, REL_X, -3, T0);
	send(DEV, EV_REL, REL_Y, 4, T0);
	send(DEV, EV_REL, REL_WHEEL, -2, T0);
	send(DEV, EV_REL, REL_HWHEEL, 1, T0);
	send(DEV, EV_REL, REL_WHEEL_HI_RES, -240, T0);
	send(DEV, EV_MSC, MSC_SCAN, 0x23, T0);
	send(DEV, EV_ABS, ABS_X, 100, T0);
	send(DEV, EV_SYN, SYN_REPORT, 0, T0);
	set_seat(0, UID_B, 0);
	send(DEV, EV_SYN, SYN_REPORT, 0, T0);
	expect_stats(want);
	EXPECT_EQ(consume(), 0, "records");
	expect_counts(UID_A, &a);

	snprintf(fx.what, sizeof(fx.what), "level counts, another user, cumulative");
	send(DEV, EV_KEY, KEY_ENTER, 1, T0);
	expect_counts(UID_B, &b);
	send(DEV, EV_KEY, KEY_ENTER, 1, T0);
	b.keys[EVTAP_CLASS_ENTER] = 2;
	expect_counts(UID_B, &b);
	expect_counts(UID_A, &a);
	EXPECT_EQ(consume(), 0, "records");
	fx_close();
}

static void test_counts_map_full(void)
{
	__u64 want[EVTAP_STAT_MAX] = { [EVTAP_STAT_SEEN] = 3,
				       [EVTAP_STAT_COUNTED] = 2,
				       [EVTAP_STAT_LOST_COUNTS_MAP_FULL] = 1 };

	if (!fx_open(0, 2))
		return;
	snprintf(fx.what, sizeof(fx.what), "counts map full");
	set_fleet(EVTAP_LEVEL_COUNTS, EVTAP_DEFAULT_RECORD);
	for (__u32 uid = UID_A; uid < UID_A + 3; uid++) {
		set_seat(0, uid, 0);
		send(DEV, EV_KEY, KEY_A, 1, T0);
	}
	expect_stats(want);
	fx_close();
}

static void test_device_seats(void)
{
	if (!fx_open(0, 0))
		return;
	snprintf(fx.what, sizeof(fx.what), "devices routed to seats");
	set_seat(1, UID_B, 0);
	route(5, 1);
	route(6, EVTAP_MAX_SEATS); /* no such seat: nobody's session */
	send(5, EV_KEY, KEY_A, 1, T0);
	send(4, EV_KEY, KEY_A, 1, T0);
	send(6, EV_KEY, KEY_A, 1, T0);
	EXPECT_EQ(consume(), 2, "records");
	expect_rec(0, &(struct source){ UID_B, EVTAP_LEVEL_FULL, 5, T0 }, EVTAP_KIND_KEY, KEY_A, 1,
		   0);
	expect_rec(1, &(struct source){ UID_A, EVTAP_LEVEL_FULL, 4, T0 }, EVTAP_KIND_KEY, KEY_A, 1,
		   0);
	set_seat(1, UID_B, 1);
	send(5, EV_KEY, KEY_A, 0, T0);
	EXPECT_EQ(consume(), 0, "records from a locked seat");
	read_stats(fx.stats);
	set_seat(0, UID_A, 1);
	set_seat(1, UID_B, 0);
	send(5, EV_KEY, KEY_A, 0, T0);
	EXPECT_EQ(consume(), 1, "records from seat1 while seat0 is locked");
	expect_rec(0, &(struct source){ UID_B, EVTAP_LEVEL_FULL, 5, T0 }, EVTAP_KIND_KEY, KEY_A, 0,
		   0);
	fx_close();
}

static void test_time_granularity(void)
{
	struct timespec before, after;
	__u64 ts;

	if (!fx_open(0, 0))
		return;
	snprintf(fx.what, sizeof(fx.what), "time granularity");
	fx.skel->data->fleet.time_granularity_ns = 1000000;
	send(DEV, EV_KEY, KEY_A, 1, 5123456789ull);
	send(DEV, EV_REL, REL_X, 1, 5124999999ull);
	send(DEV, EV_SYN, SYN_REPORT, 0, 5125000001ull);
	fx.skel->data->fleet.time_granularity_ns = 1;
	send(DEV, EV_KEY, KEY_A, 0, 5123456789ull);
	EXPECT_EQ(consume(), 3, "records");
	EXPECT_EQ(fx.recs[0].ts_ns, 5123000000ull, "coarsened ts");
	EXPECT_EQ(fx.recs[1].ts_ns, 5124000000ull, "coarsened frame ts");
	EXPECT_EQ(fx.recs[2].ts_ns, 5123456789ull, "exact ts");

	snprintf(fx.what, sizeof(fx.what), "the program's own clock");
	clock_gettime(CLOCK_MONOTONIC, &before);
	send(DEV, EV_KEY, KEY_A, 1, 0);
	clock_gettime(CLOCK_MONOTONIC, &after);
	EXPECT_EQ(consume(), 1, "records");
	ts = fx.recs[0].ts_ns;
	CHECK(ts >= before.tv_sec * 1000000000ull + before.tv_nsec &&
		      ts <= after.tv_sec * 1000000000ull + after.tv_nsec,
	      "ts %llu outside the call", (unsigned long long)ts);
	fx_close();
}

/* A pause ends at paused_until: checked against the event's time, not the coarsened one. */
static void test_pause_boundary(void)
{
	struct evtap_consent pause = { .level = EVTAP_LEVEL_FULL, .paused_until = T0 + 500 };

	if (!fx_open(0, 0))
		return;
	snprintf(fx.what, sizeof(fx.what), "pause boundary");
	fx.skel->data->fleet.time_granularity_ns = 1000;
	set_consent(UID_A, &pause);
	send(DEV, EV_KEY, KEY_A, 1, T0 + 499);
	send(DEV, EV_KEY, KEY_A, 0, T0 + 500);
	EXPECT_EQ(consume(), 1, "records");
	expect_rec(0, SRC(UID_A, EVTAP_LEVEL_FULL), EVTAP_KIND_KEY, KEY_A, 0, 0);
	fx_close();
}

/*
 * 4096 bytes hold 102 records of 8 (header) + 32 bytes; past that, events are counted lost, and
 * a SYN_REPORT whose frame gave two records but could keep only one is lost too.
 */
static void test_ringbuf_full(void)
{
	__u64 want[EVTAP_STAT_MAX] = { [EVTAP_STAT_SEEN] = 154,
				       [EVTAP_STAT_EMITTED] = 101,
				       [EVTAP_STAT_COALESCED] = 2,
				       [EVTAP_STAT_LOST_RINGBUF_FULL] = 51 };

	if (!fx_open(4096, 0))
		return;
	snprintf(fx.what, sizeof(fx.what), "ring buffer full");
	for (int i = 0; i < 101; i++)
		send(DEV, EV_KEY, KEY_A, i & 1, T0);
	send(DEV, EV_REL, REL_X, 1, T0);
	send(DEV, EV_REL, REL_WHEEL, 1, T0);
	send(DEV, EV_SYN, SYN_REPORT, 0, T0);
	for (int i = 0; i < 50; i++)
		send(DEV, EV_KEY, KEY_A, i & 1, T0);
	expect_stats(want);
	EXPECT_EQ(consume(), 102, "records");
	expect_rec(101, SRC(UID_A, EVTAP_LEVEL_FULL), EVTAP_KIND_MOTION, 0, 1, 0);
	send(DEV, EV_KEY, KEY_A, 1, T0);
	EXPECT_EQ(consume(), 1, "records once drained");
	fx_close();
}

/* Below fleet.wakeup_bytes buffered, the collector is not woken; at it, it is. */
static void test_wakeup(void)
{
	if (!fx_open(0, 0))
		return;
	snprintf(fx.what, sizeof(fx.what), "batched wakeups");
	fx.skel->data->fleet.wakeup_bytes = 2 * 40;
	send(DEV, EV_KEY, KEY_A, 1, T0);
	fx.nrecs = 0;
	EXPECT_EQ(ring_buffer__poll(fx.rb, 100), 0, "woken below the threshold");
	send(DEV, EV_KEY, KEY_A, 0, T0);
	EXPECT_EQ(ring_buffer__poll(fx.rb, 1000), 2, "records on wakeup");
	fx_close();
}

/* Whatever comes, every event is counted once beyond SEEN. */
static void test_invariant(void)
{
	static const __u32 types[] = { EV_SYN, EV_KEY, EV_REL, EV_ABS, EV_MSC, EV_LED };
	struct evtap_consent c = { 0 };
	__u64 delta[EVTAP_STAT_MAX], outcomes = 0, seed = 42;
	int records = 0, emitted;

	if (!fx_open(16384, 0))
		return;
	snprintf(fx.what, sizeof(fx.what), "random events");
	for (int i = 0; i < 5000; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		if (i % 50 == 0) {
			set_fleet((seed >> 20) & 3, (seed >> 22) & 1);
			set_seat(0, (seed >> 24) & 1 ? UID_A : EVTAP_UID_NONE, (seed >> 25) & 1);
			c.level = (seed >> 26) & 3;
			c.opted_out = ((seed >> 28) & 7) == 0;
			set_consent(UID_A, &c);
		}
		send((seed >> 30) & 3, types[(seed >> 33) % 6], (seed >> 40) % 12,
		     (int)((seed >> 48) & 0xff) - 128, T0 + i);
		if (i % 100 == 0)
			records += consume();
	}
	records += consume();
	stats_delta(delta);
	for (int s = EVTAP_STAT_SEEN + 1; s < EVTAP_STAT_MAX; s++)
		outcomes += delta[s];
	EXPECT_EQ(delta[EVTAP_STAT_SEEN], 5000, "seen");
	EXPECT_EQ(outcomes, 5000, "sum of outcomes");
	/* A SYN_REPORT may emit two records; any other emitted event one. */
	emitted = (int)delta[EVTAP_STAT_EMITTED];
	CHECK(records >= emitted && records <= 2 * emitted, "%d records for %d emitted events",
	      records, emitted);
	EXPECT_EQ(delta[EVTAP_STAT_LOST_RINGBUF_FULL], 0, "lost");
	fx_close();
}

/*
 * The perf-buffer path (kernels before 5.8, --buffer perf): the same records and outcomes as
 * the ring buffer, the consent gate the same, and every record the kernel could not write is
 * both counted in the kernel and reported lost to the reader.
 */
static void test_perf_buffer(void)
{
	struct evtap_consent out = { .level = EVTAP_LEVEL_FULL, .opted_out = 1 };
	__u64 want[EVTAP_STAT_MAX] = { [EVTAP_STAT_SEEN] = 7,
				       [EVTAP_STAT_EMITTED] = 3,
				       [EVTAP_STAT_COALESCED] = 2,
				       [EVTAP_STAT_GATE_OPTED_OUT] = 2 };

	if (!fx_open_perf(0))
		return;
	snprintf(fx.what, sizeof(fx.what), "perf buffer: records");
	send(DEV, EV_KEY, KEY_H, 1, T0);
	send(DEV, EV_REL, REL_X, 3, T0);
	send(DEV, EV_REL, REL_Y, -2, T0);
	send(DEV, EV_SYN, SYN_REPORT, 0, T0);
	send(DEV, EV_KEY, KEY_H, 0, T0);
	set_consent(UID_A, &out);
	send(DEV, EV_KEY, KEY_I, 1, T0);
	send(DEV, EV_KEY, KEY_I, 0, T0);
	expect_stats(want);
	EXPECT_EQ(consume(), 3, "records");
	expect_rec(0, SRC(UID_A, EVTAP_LEVEL_FULL), EVTAP_KIND_KEY, KEY_H, 1, 0);
	expect_rec(1, SRC(UID_A, EVTAP_LEVEL_FULL), EVTAP_KIND_MOTION, 0, 3, -2);
	expect_rec(2, SRC(UID_A, EVTAP_LEVEL_FULL), EVTAP_KIND_KEY, KEY_H, 0, 0);
	EXPECT_EQ(buffer_lost(fx.pb), 0, "lost");
	fx_close();
}

/* The CPUs' buffers are read one after the other: their records are merged by time. */
static void test_perf_buffer_merge(void)
{
	__u64 args[5] = { DEV, EV_KEY, KEY_A, 1, 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = sizeof(args),
		    .flags = BPF_F_TEST_RUN_ON_CPU);

	if (libbpf_num_possible_cpus() < 2 || sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		printf("  (one CPU: nothing to merge)\n");
		return;
	}
	if (!fx_open_perf(0))
		return;
	snprintf(fx.what, sizeof(fx.what), "perf buffer: merged by time");
	for (int i = 0; i < 6; i++) {
		opts.cpu = i % 3 ? 1 : 0; /* CPU 0, 1, 1, 0, 1, 1 */
		args[2] = KEY_A + i;
		args[4] = T0 + i;
		CHECK(!bpf_prog_test_run_opts(bpf_program__fd(fx.skel->progs.evtap_test_event),
					      &opts));
	}
	EXPECT_EQ(consume(), 6, "records");
	for (int i = 0; i < 6 && i < fx.nrecs; i++)
		EXPECT_EQ(fx.recs[i].code, KEY_A + i, "code in time order");
	fx_close();
}

static void test_perf_buffer_full(void)
{
	__u64 delta[EVTAP_STAT_MAX];
	int records;

	if (!fx_open_perf(1)) /* the smallest: 8 pages per CPU */
		return;
	snprintf(fx.what, sizeof(fx.what), "perf buffer: full");
	for (int i = 0; i < 5000; i++)
		send(DEV, EV_KEY, KEY_A, i & 1, T0);
	records = consume();
	/* The kernel reports the lost count with the next record that fits. */
	send(DEV, EV_KEY, KEY_B, 1, T0);
	records += consume();
	stats_delta(delta);
	CHECK(delta[EVTAP_STAT_LOST_RINGBUF_FULL] > 0, "nothing lost: buffer not full?");
	EXPECT_EQ(delta[EVTAP_STAT_EMITTED], records, "emitted == read");
	EXPECT_EQ(delta[EVTAP_STAT_EMITTED] + delta[EVTAP_STAT_LOST_RINGBUF_FULL], 5001, "seen");
	EXPECT_EQ(buffer_lost(fx.pb), delta[EVTAP_STAT_LOST_RINGBUF_FULL], "reported lost");
	fx_close();
}

int main(void)
{
	RUN(test_matrix_fleet_off);
	RUN(test_matrix_fleet_counts);
	RUN(test_matrix_fleet_classes);
	RUN(test_matrix_fleet_full);
	RUN(test_filtered);
	RUN(test_key_classes);
	RUN(test_key_class_sizes);
	RUN(test_buttons_and_high_keys);
	RUN(test_rel_coalescing);
	RUN(test_frame_gating);
	RUN(test_counts);
	RUN(test_counts_map_full);
	RUN(test_device_seats);
	RUN(test_time_granularity);
	RUN(test_pause_boundary);
	RUN(test_ringbuf_full);
	RUN(test_wakeup);
	RUN(test_invariant);
	RUN(test_perf_buffer);
	RUN(test_perf_buffer_merge);
	RUN(test_perf_buffer_full);
	CHECK_EXIT();
}
