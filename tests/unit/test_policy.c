// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The fleet's policy (user/lib/policy.h): the bucket's values parsed and formatted back, the
 * merge rule (a machine's own settings may only lower the fleet's), and the JSON evtap-shipd
 * hands over and evtapd keeps, with bad keys left out and said why.
 */
#include <errno.h>
#include <string.h>
#include <json-c/json.h>
#include "check.h"
#include "evtap.h"
#include "policy.h"

#define MS  1000000LL
#define DAY (86400 * 1000000000LL)

/* A machine's settings: every value, given or not (local_set says which). */
static struct policy_values local(unsigned int local_set)
{
	return (struct policy_values){
		.set = local_set,
		.level = EVTAP_LEVEL_CLASSES,
		.default_consent = EVTAP_DEFAULT_RECORD,
		.time_granularity_ns = 0,
		.retention_ns = 0,
	};
}

static struct fleet_policy fleet_of(const char *const kv[][2], int n)
{
	struct fleet_policy f = { 0 };

	for (int i = 0; i < n; i++) {
		int k = policy_key_parse(kv[i][0]);

		CHECK(k >= 0 && !policy_parse(&f.v, k, kv[i][1]), "%s=%s", kv[i][0], kv[i][1]);
		f.revision[k] = (uint64_t)(i + 1);
	}
	return f;
}

static void test_parse_and_format(void)
{
	static const char *const good[][2] = {
		{ "level", "counts" },
		{ "default-consent", "skip" },
		{ "time-granularity", "250" },
		{ "retention", "30d" },
		{ "purposes", "ai-training:Train models,security" },
	};
	static const char *const bad[][2] = {
		{ "level", "most" },
		{ "level", "" },
		{ "default-consent", "yes" },
		{ "time-granularity", "60001" },
		{ "time-granularity", "-1" },
		{ "time-granularity", "5ms" },
		{ "retention", "0d" },
		{ "retention", "30" },
		{ "retention", "3651d" },
		{ "purposes", "" },
		{ "purposes", "Upper" },
		{ "purposes", "a,a" },
		{ "purposes", "a:\"quoted\"" },
		{ "purposes", "a:" },
	};
	struct policy_values v = { 0 };
	char buf[POLICY_VALUE_MAX];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int k = policy_key_parse(good[i][0]);

		CHECK(k >= 0 && !policy_parse(&v, k, good[i][1]), "%s", good[i][0]);
		policy_format(&v, k, buf, sizeof(buf));
		CHECK(!strcmp(buf, good[i][1]), "%s: %s", good[i][0], buf);
	}
	CHECK_EQ(v.set, (1U << POLICY_KEYS) - 1);
	CHECK_EQ(v.time_granularity_ns, 250 * MS);
	CHECK_EQ(v.retention_ns, 30 * DAY);
	CHECK(v.npurposes == 2 && !strcmp(v.purposes[0].description, "Train models") &&
	      !strcmp(v.purposes[1].name, "security") && !v.purposes[1].description[0]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct policy_values before = v;

		CHECK_EQ(policy_parse(&v, policy_key_parse(bad[i][0]), bad[i][1]), -EINVAL);
		CHECK(!memcmp(&before, &v, sizeof(v)), "%s=%s changed the values", bad[i][0],
		      bad[i][1]);
	}
	CHECK_EQ(policy_key_parse("levels"), -1);
	v.retention_ns = 0;
	policy_format(&v, POLICY_RETENTION, buf, sizeof(buf));
	CHECK(!strcmp(buf, "none"), "%s", buf);
}

/* Without a fleet policy, the machine's settings as they are, given or default. */
static void test_no_fleet_policy(void)
{
	struct policy_values l = local(1U << POLICY_LEVEL), out;
	enum policy_source from[POLICY_KEYS];

	l.level = EVTAP_LEVEL_FULL;
	policy_merge(NULL, &l, &out, from);
	CHECK_EQ(out.level, EVTAP_LEVEL_FULL);
	CHECK_EQ(from[POLICY_LEVEL], POLICY_FROM_LOCAL);
	CHECK_EQ(from[POLICY_DEFAULT_CONSENT], POLICY_FROM_DEFAULT);
	CHECK_EQ(from[POLICY_PURPOSES], POLICY_FROM_DEFAULT);
	CHECK_EQ(out.npurposes, 0);
}

/* For each setting: a lower local value stays, a higher one gives way to the fleet's. */
static void test_local_only_lowers(void)
{
	static const struct {
		enum policy_key k;
		const char *fleet, *lower, *higher;
	} cases[] = {
		{ POLICY_LEVEL, "classes", "counts", "full" },
		{ POLICY_LEVEL, "counts", "off", "classes" },
		{ POLICY_DEFAULT_CONSENT, "record", "skip", NULL },
		{ POLICY_DEFAULT_CONSENT, "skip", NULL, "record" },
		{ POLICY_TIME_GRANULARITY, "100", "1000", "0" },
		{ POLICY_RETENTION, "30d", "7d", "90d" },
	};
	char buf[64], fleet_value[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const kv[][2] = { { policy_key_name(cases[i].k), cases[i].fleet } };
		struct fleet_policy f = fleet_of(kv, 1);
		struct policy_values l = local(1U << cases[i].k), out;
		enum policy_source from[POLICY_KEYS];

		policy_format(&f.v, cases[i].k, fleet_value, sizeof(fleet_value));
		if (cases[i].lower) {
			CHECK(!policy_parse(&l, cases[i].k, cases[i].lower));
			policy_merge(&f, &l, &out, from);
			policy_format(&out, cases[i].k, buf, sizeof(buf));
			CHECK(!strcmp(buf, cases[i].lower) && from[cases[i].k] == POLICY_FROM_LOCAL,
			      "%s: fleet %s, local %s: in force %s", policy_key_name(cases[i].k),
			      cases[i].fleet, cases[i].lower, buf);
			CHECK(policy_lower(cases[i].k, &l, &f.v));
		}
		if (cases[i].higher) {
			CHECK(!policy_parse(&l, cases[i].k, cases[i].higher));
			policy_merge(&f, &l, &out, from);
			policy_format(&out, cases[i].k, buf, sizeof(buf));
			CHECK(!strcmp(buf, fleet_value) && from[cases[i].k] == POLICY_FROM_FLEET,
			      "%s: fleet %s, local %s: in force %s", policy_key_name(cases[i].k),
			      cases[i].fleet, cases[i].higher, buf);
			CHECK(!policy_lower(cases[i].k, &l, &f.v));
		}
	}
}

/* A local retention of 0 keeps everything: the longest, so any fleet retention is lower. */
static void test_retention_zero_is_longest(void)
{
	const char *const kv[][2] = { { "retention", "3650d" } };
	struct fleet_policy f = fleet_of(kv, 1);
	struct policy_values l = local(1U << POLICY_RETENTION), out;
	enum policy_source from[POLICY_KEYS];

	policy_merge(&f, &l, &out, from);
	CHECK_EQ(out.retention_ns, 3650 * DAY);
	CHECK_EQ(from[POLICY_RETENTION], POLICY_FROM_FLEET);
}

/*
 * A setting the local file does not give sets no limit: the fleet's value is in force, also
 * above evtapd's default (level full over the default classes).
 */
static void test_unset_local_takes_the_fleet(void)
{
	const char *const kv[][2] = { { "level", "full" }, { "purposes", "security:Intrusions" } };
	struct fleet_policy f = fleet_of(kv, 2);
	struct policy_values l = local(0), out;
	enum policy_source from[POLICY_KEYS];

	policy_merge(&f, &l, &out, from);
	CHECK_EQ(out.level, EVTAP_LEVEL_FULL);
	CHECK_EQ(from[POLICY_LEVEL], POLICY_FROM_FLEET);
	CHECK_EQ(from[POLICY_TIME_GRANULARITY], POLICY_FROM_DEFAULT);
	CHECK(out.npurposes == 1 && !strcmp(out.purposes[0].name, "security"));
	CHECK_EQ(from[POLICY_PURPOSES], POLICY_FROM_FLEET);
}

/* As evtap-shipd hands it over and evtapd keeps it: the same policy back, bad keys said. */
static void test_json(void)
{
	const char *const kv[][2] = { { "level", "counts" },
				      { "retention", "7d" },
				      { "purposes", "ai-training:Train models" } };
	struct fleet_policy f = fleet_of(kv, 3), back;
	char why[POLICY_KEYS + 1][POLICY_WHY_MAX];
	json_object *o, *bad;

	f.time_ns[POLICY_LEVEL] = 1764622000123456789LL;
	o = policy_to_json(&f);
	CHECK_EQ(policy_from_json(o, &back, why), 0);
	CHECK(!memcmp(&f, &back, sizeof(f)), "not the same policy back: %s",
	      json_object_to_json_string(o));
	json_object_put(o);
	bad = json_tokener_parse("{\"level\":{\"value\":\"most\"},\"colour\":{\"value\":\"red\"},"
				 "\"retention\":{\"value\":\"7d\",\"revision\":4,\"time\":9},"
				 "\"default-consent\":7}");
	CHECK_EQ(policy_from_json(bad, &back, why), 3);
	CHECK_EQ(back.v.set, 1U << POLICY_RETENTION);
	CHECK(back.revision[POLICY_RETENTION] == 4 && back.time_ns[POLICY_RETENTION] == 9);
	CHECK(strstr(why[POLICY_LEVEL], "bad value 'most': expected off, counts"), "%s",
	      why[POLICY_LEVEL]);
	CHECK(strstr(why[POLICY_DEFAULT_CONSENT], "(not a string)"), "%s",
	      why[POLICY_DEFAULT_CONSENT]);
	CHECK(strstr(why[POLICY_KEYS], "unknown key 'colour'"), "%s", why[POLICY_KEYS]);
	CHECK_EQ(why[POLICY_RETENTION][0], 0);
	json_object_put(bad);
	CHECK_EQ(policy_from_json(NULL, &back, why), -EINVAL);
}

/* One key copied over, set or unset, with its revision: how a bad value keeps the last good. */
static void test_copy_key(void)
{
	const char *const kv[][2] = { { "level", "counts" } };
	struct fleet_policy good = fleet_of(kv, 1), f = { 0 }, none = { 0 };

	policy_copy_key(&f, &good, POLICY_LEVEL);
	CHECK(f.v.set == 1U << POLICY_LEVEL && f.v.level == EVTAP_LEVEL_COUNTS &&
	      f.revision[POLICY_LEVEL] == 1);
	policy_copy_key(&f, &none, POLICY_LEVEL);
	CHECK_EQ(f.v.set, 0);
}

int main(void)
{
	RUN(test_parse_and_format);
	RUN(test_no_fleet_policy);
	RUN(test_local_only_lowers);
	RUN(test_retention_zero_is_longest);
	RUN(test_unset_local_takes_the_fleet);
	RUN(test_json);
	RUN(test_copy_key);
	CHECK_EXIT();
}
