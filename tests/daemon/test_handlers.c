// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Control requests against the daemon over the kernel layer's double: every operation, asked
 * by root, alice and bob, for themselves, for someone else and for nobody in particular, is
 * allowed or refused as docs/PROTOCOL.md says; a refusal is audited and counted; a consent
 * change is in the kernel's map before the answer leaves.
 */
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "clock.h"
#include "harness.h"

static struct harness h;
static char answer[1 << 16];

/* For whom a request is made: the caller, another user, nobody named, or every user. */
enum target { OWN, OTHER, NONE, ALL };

static const uid_t callers[] = { HARNESS_ALICE, HARNESS_BOB, 0 };
static const uid_t users[] = { 0, HARNESS_ALICE, HARNESS_BOB };

static uid_t target_uid(uid_t caller, enum target t)
{
	if (t != OTHER)
		return caller;
	return caller == HARNESS_ALICE ? HARNESS_BOB : HARNESS_ALICE;
}

/* The rules, as the protocol states them. */
static int allowed(enum request_op op, uid_t caller, enum target t)
{
	return caller == 0 || (t != OTHER && t != ALL && op != REQ_STATS && op != REQ_AUDIT);
}

/* What each operation needs beyond "op" and "uid", and what shows that it took effect. */
struct op_case {
	enum request_op op;
	const char *args;
	/* A consent change: puts the target where the change shows, and sees that it did. */
	void (*prepare)(uid_t uid);
	int (*took_effect)(const struct evtap_consent *k);
	/* Back to what a user who never chose gets: the entry goes (docs/CONSENT.md). */
	bool default_clears;
};

static void prepare_opted_in(uid_t uid)
{
	harness_set_consent(&h, uid, 0, EVTAP_LEVEL_FULL, 0);
}

static void prepare_opted_out_paused(uid_t uid)
{
	harness_set_consent(&h, uid, 1, EVTAP_LEVEL_FULL, clock_wall_ns() + 3600 * 1000000000LL);
}

static int is_opted_out(const struct evtap_consent *k)
{
	return k->opted_out;
}

static int is_opted_in(const struct evtap_consent *k)
{
	return !k->opted_out && !k->paused_until;
}

static int is_counts(const struct evtap_consent *k)
{
	return k->level == EVTAP_LEVEL_COUNTS;
}

static int is_paused(const struct evtap_consent *k)
{
	return k->paused_until > (__u64)clock_mono_ns();
}

static void request_line(const struct op_case *oc, uid_t caller, enum target t, char *line,
			 size_t len)
{
	char uid[32] = "";

	if (t == OWN || t == OTHER)
		snprintf(uid, sizeof(uid), ",\"uid\":%u", target_uid(caller, t));
	snprintf(line, len, "{\"op\":\"%s\"%s%s%s}", request_op_name(oc->op), oc->args ?: "", uid,
		 t == ALL ? ",\"all\":true" : "");
}

/* Sends line as caller, the consent map watched; -1 when unanswered. */
static int call(uid_t caller, const char *line)
{
	return harness_call(&h, caller, line, answer, sizeof(answer));
}

static void check_refused(const char *op, uid_t caller, const char *line, uint64_t refused)
{
	char audit[1024], want[64];

	CHECK(!strncmp(answer, "{\"ok\":false,\"error\":\"", 21), "%s as %u: %s", line, caller,
	      answer);
	CHECK_EQ(h.d.stats.requests_refused, refused + 1);
	harness_audit_last(&h, audit, sizeof(audit));
	snprintf(want, sizeof(want), "\"caller_uid\":%u,", caller);
	CHECK(strstr(audit, want), "%s as %u: audit %s", line, caller, audit);
	snprintf(want, sizeof(want), "\"op\":\"%s\"", op);
	CHECK(strstr(audit, want), "%s as %u: audit %s", line, caller, audit);
	CHECK(strstr(audit, "\"result\":\"") && !strstr(audit, "\"result\":\"ok\""),
	      "%s as %u: audit %s", line, caller, audit);
}

/* Whose records an export answer holds: its records are one JSON object per line. */
static void check_export(const char *line, uid_t caller, uid_t target, enum target t)
{
	char want[32];

	CHECK(!strncmp(answer, "{\"ok\":true}\n", 12), "%s as %u: %s", line, caller, answer);
	for (size_t i = 0; i < HARNESS_ARRAY_SIZE(users); i++) {
		int expected = t == ALL || users[i] == target;
		snprintf(want, sizeof(want), "\"uid\":%u,", users[i]);
		CHECK(!strstr(answer, want) == !expected, "%s as %u: uid %u %s: %s", line, caller,
		      users[i], expected ? "missing" : "leaked", answer);
	}
}

static void check_consent_change(const struct op_case *oc, const char *line, uid_t caller,
				 uid_t target)
{
	const struct double_consent *k = &kernel_double.consent[target];
	char audit[1024], want[64];

	CHECK(k->present ? oc->took_effect(&k->c) : oc->default_clears,
	      "%s as %u: kernel map unchanged", line, caller);
	CHECK(harness_watch.changes > 0 && !harness_watch.answered_first,
	      "%s as %u: answered before the map", line, caller);
	harness_audit_last(&h, audit, sizeof(audit));
	snprintf(want, sizeof(want), "\"op\":\"%s\",\"uid\":%u,", request_op_name(oc->op), target);
	CHECK(strstr(audit, want) && strstr(audit, "\"result\":\"ok\""), "%s: audit %s", line,
	      audit);
}

static void check_allowed(const struct op_case *oc, const char *line, uid_t caller, enum target t)
{
	uid_t target = target_uid(caller, t);
	char want[32];

	snprintf(want, sizeof(want), "\"uid\":%u,", target);
	switch (oc->op) {
	case REQ_STATUS:
	case REQ_OPT_OUT:
	case REQ_OPT_IN:
	case REQ_LEVEL:
	case REQ_PAUSE:
		CHECK(!strncmp(answer, "{\"ok\":true,", 11) && strstr(answer, want), "%s as %u: %s",
		      line, caller, answer);
		if (oc->took_effect)
			check_consent_change(oc, line, caller, target);
		break;
	case REQ_STATS:
		CHECK(strstr(answer, "\"kernel\":{") && strstr(answer, "\"collector\":{"), "%s: %s",
		      line, answer);
		break;
	case REQ_DEVICES:
		CHECK(strstr(answer, "\"devices\":["), "%s: %s", line, answer);
		break;
	case REQ_EXPORT:
		check_export(line, caller, target, t);
		break;
	case REQ_FORGET:
		CHECK(!strcmp(answer, "{\"ok\":true}\n"), "%s: %s", line, answer);
		CHECK_EQ(harness_read_user(&h, target, NULL, 0), 0);
		break;
	case REQ_AUDIT:
		/* alice's and bob's refusals came first: root reads them in the log. */
		CHECK(!strncmp(answer, "{\"ok\":true}\n", 12) &&
			      strstr(answer, "\"caller_uid\":1001"),
		      "%s: %s", line, answer);
		break;
	case REQ_FORGET_STATUS: /* fleet mode's: test_handlers_fleet */
	case REQ_FLEET_CONSENT:
	case REQ_FLEET_FORGET:
	case REQ_FLEET_POLICY:
	case REQ_FLEET_HEALTH:
	case REQ_ACCESS_LOG: /* fleet mode's: test_handlers_fleet */
	case REQ_OP_MAX:
		CHECK(0, "not in this matrix");
		break;
	}
}

static void check_case(const struct op_case *oc, uid_t caller, enum target t)
{
	uid_t target = target_uid(caller, t);
	uint64_t refused;
	struct double_consent before;
	int updates;
	char line[256];

	if (oc->prepare)
		oc->prepare(target);
	before = kernel_double.consent[target];
	updates = kernel_double.consent_updates;
	refused = h.d.stats.requests_refused;
	request_line(oc, caller, t, line, sizeof(line));
	CHECK(call(caller, line) > 0, "%s as %u: no answer", line, caller);
	if (allowed(oc->op, caller, t)) {
		CHECK_EQ(h.d.stats.requests_refused, refused);
		check_allowed(oc, line, caller, t);
		return;
	}
	check_refused(request_op_name(oc->op), caller, line, refused);
	CHECK_EQ(kernel_double.consent_updates, updates);
	CHECK(!memcmp(&before, &kernel_double.consent[target], sizeof(before)),
	      "%s as %u: refused, yet the consent map changed", line, caller);
}

/* Something stored for every user, for export and forget to find. */
static void store_some(void)
{
	for (size_t i = 0; i < HARNESS_ARRAY_SIZE(users); i++)
		harness_push(users[i], EVTAP_KIND_KEYCLASS, EVTAP_CLASS_LETTER, 1);
	daemon_periodic_work(&h.d);
	store_flush(h.d.store);
}

/* What is buffered stays so until a test flushes. */
#define CONF HARNESS_NO_INTERVALS

static void run_matrix(const struct op_case *oc)
{
	HARNESS_START(&h, CONF);
	harness_watch_consent();
	store_some();
	for (size_t i = 0; i < HARNESS_ARRAY_SIZE(callers); i++)
		for (enum target t = OWN; t <= (oc->op == REQ_EXPORT ? ALL : NONE); t++)
			check_case(oc, callers[i], t);
	harness_stop(&h);
}

static void test_status(void)
{
	run_matrix(&(struct op_case){ .op = REQ_STATUS });
}

static void test_stats(void)
{
	run_matrix(&(struct op_case){ .op = REQ_STATS });
}

static void test_devices(void)
{
	run_matrix(&(struct op_case){ .op = REQ_DEVICES });
}

static void test_export(void)
{
	run_matrix(&(struct op_case){ .op = REQ_EXPORT });
}

static void test_opt_out(void)
{
	run_matrix(&(struct op_case){
		.op = REQ_OPT_OUT, .prepare = prepare_opted_in, .took_effect = is_opted_out });
}

static void test_opt_in(void)
{
	run_matrix(&(struct op_case){ .op = REQ_OPT_IN,
				      .prepare = prepare_opted_out_paused,
				      .took_effect = is_opted_in,
				      .default_clears = true });
}

static void test_level(void)
{
	run_matrix(&(struct op_case){ .op = REQ_LEVEL,
				      .args = ",\"level\":\"counts\"",
				      .prepare = prepare_opted_in,
				      .took_effect = is_counts });
}

static void test_pause(void)
{
	run_matrix(&(struct op_case){ .op = REQ_PAUSE,
				      .args = ",\"seconds\":600",
				      .prepare = prepare_opted_in,
				      .took_effect = is_paused });
}

static void test_forget(void)
{
	run_matrix(&(struct op_case){ .op = REQ_FORGET });
}

static void test_audit(void)
{
	run_matrix(&(struct op_case){ .op = REQ_AUDIT });
}

/* Whoever sends it, a request that does not parse is refused, audited and counted. */
static void test_malformed(void)
{
	static const char *const lines[] = { "hello", "{\"op\":\"level\",\"level\":\"max\"}",
					     "{\"op\":\"frobnicate\"}", "[1,2]" };

	HARNESS_START(&h, CONF);
	for (size_t i = 0; i < HARNESS_ARRAY_SIZE(callers); i++) {
		for (size_t j = 0; j < HARNESS_ARRAY_SIZE(lines); j++) {
			uint64_t refused = h.d.stats.requests_refused;
			CHECK(call(callers[i], lines[j]) > 0, "%s: no answer", lines[j]);
			check_refused("malformed", callers[i], lines[j], refused);
		}
	}
	CHECK_EQ(h.d.stats.requests, 12);
	harness_stop(&h);
}

/* An opt-out discards what the store buffers for the user, and nobody else's. */
static void test_opt_out_discards_buffered(void)
{
	struct evtap_record recs[8];

	HARNESS_START(&h, CONF);
	for (int i = 0; i < 3; i++)
		harness_push(HARNESS_ALICE, EVTAP_KIND_KEYCLASS, EVTAP_CLASS_LETTER, 1);
	harness_push(HARNESS_BOB, EVTAP_KIND_KEYCLASS, EVTAP_CLASS_DIGIT, 1);
	daemon_periodic_work(&h.d); /* in the store's buffer, not yet written */
	CHECK(harness_call(&h, HARNESS_ALICE, "{\"op\":\"opt-out\"}", answer, sizeof(answer)) > 0);
	CHECK(strstr(answer, "\"opted_out\":true"), "%s", answer);
	CHECK_EQ(harness_read_user(&h, HARNESS_ALICE, recs, 8), 0);
	CHECK_EQ(harness_read_user(&h, HARNESS_BOB, recs, 8), 1);
	CHECK_EQ(store_stats(h.d.store)->unpersisted[STORE_LOSS_DISCARDED], 3);
	harness_stop(&h);
}

/* Forget takes the user's stored data and leaves everyone else's. */
static void test_forget_leaves_others(void)
{
	struct evtap_record recs[8];

	HARNESS_START(&h, CONF);
	store_some();
	CHECK(harness_call(&h, 0, "{\"op\":\"forget\",\"uid\":1000}", answer, sizeof(answer)) > 0);
	CHECK(!strcmp(answer, "{\"ok\":true}\n"), "%s", answer);
	CHECK_EQ(harness_read_user(&h, HARNESS_ALICE, recs, 8), 0);
	CHECK_EQ(harness_read_user(&h, HARNESS_BOB, recs, 8), 1);
	CHECK_EQ(harness_read_user(&h, 0, recs, 8), 1);
	harness_stop(&h);
}

int main(void)
{
	if (geteuid()) {
		printf("FAIL test_handlers: must run as root, to call as other uids\n");
		return 1;
	}
	RUN(test_status);
	RUN(test_stats);
	RUN(test_devices);
	RUN(test_export);
	RUN(test_opt_out);
	RUN(test_opt_in);
	RUN(test_level);
	RUN(test_pause);
	RUN(test_forget);
	RUN(test_audit);
	RUN(test_malformed);
	RUN(test_opt_out_discards_buffered);
	RUN(test_forget_leaves_others);
	CHECK_EXIT();
}
