// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Subjects, message ids, receipt keys and inbox prefixes, and the tokens refused in them. */
#include <errno.h>
#include <string.h>
#include "check.h"
#include "fleet_names.h"

#define P "6eefad2bed97b6d93ee663d67a44b460"
#define H "66fc66f2575a06af5f464345a49885be"

static void test_subjects(void)
{
	char buf[128];

	CHECK_EQ(fleet_subject_data(buf, sizeof(buf), P, H), 0);
	CHECK(!strcmp(buf, "evtap.v1.data." P "." H), "%s", buf);
	CHECK_EQ(fleet_subject_key(buf, sizeof(buf), P, H), 0);
	CHECK(!strcmp(buf, "evtap.v1.key." P "." H), "%s", buf);
	CHECK_EQ(fleet_subject_audit(buf, sizeof(buf), P), 0);
	CHECK(!strcmp(buf, "evtap.v1.audit." P), "%s", buf);
	CHECK_EQ(fleet_subject_audit_host(buf, sizeof(buf), P, H), 0);
	CHECK(!strcmp(buf, "evtap.v1.audit." P "." H), "%s", buf);
	CHECK_EQ(fleet_audit_durable(buf, sizeof(buf), H), 0);
	CHECK(!strcmp(buf, "audit-" H), "%s", buf);
	CHECK_EQ(fleet_audit_filter(buf, sizeof(buf), H), 0);
	CHECK(!strcmp(buf, "evtap.v1.audit.*." H), "%s", buf);
	CHECK_EQ(fleet_audit_feed(buf, sizeof(buf), H), 0);
	CHECK(!strcmp(buf, "evtap.v1.auditfeed." H), "%s", buf);
	CHECK_EQ(fleet_msg_id(buf, sizeof(buf), H, P, 7, 123456789012ULL), 0);
	CHECK(!strcmp(buf, H ":" P ":7:123456789012"), "%s", buf);
	CHECK_EQ(fleet_key_msg_id(buf, sizeof(buf), H, P), 0);
	CHECK(!strcmp(buf, "key:" H ":" P), "%s", buf);
	CHECK_EQ(fleet_receipt_key(buf, sizeof(buf), P, "custodian"), 0);
	CHECK(!strcmp(buf, P ".custodian"), "%s", buf);
	CHECK_EQ(fleet_inbox_prefix(buf, sizeof(buf), H), 0);
	CHECK(!strcmp(buf, "_INBOX_" H), "%s", buf);
}

/* A token that would widen or split a subject is refused, not built. */
static void test_bad_tokens(void)
{
	static const char *const bad[] = {
		"",    "a.b",
		"*",   ">",
		"a b", "a\tb",
		"x>",  "0123456789012345678901234567890123456789012345678901234567890123456789"
	};
	char buf[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(fleet_token_ok(bad[i]), 0);
		CHECK_EQ(fleet_subject_data(buf, sizeof(buf), bad[i], H), -EINVAL);
		CHECK_EQ(fleet_subject_data(buf, sizeof(buf), P, bad[i]), -EINVAL);
		CHECK_EQ(fleet_subject_audit(buf, sizeof(buf), bad[i]), -EINVAL);
		CHECK_EQ(fleet_subject_audit_host(buf, sizeof(buf), P, bad[i]), -EINVAL);
		CHECK_EQ(fleet_audit_durable(buf, sizeof(buf), bad[i]), -EINVAL);
		CHECK_EQ(fleet_audit_filter(buf, sizeof(buf), bad[i]), -EINVAL);
		CHECK_EQ(fleet_audit_feed(buf, sizeof(buf), bad[i]), -EINVAL);
		CHECK_EQ(fleet_inbox_prefix(buf, sizeof(buf), bad[i]), -EINVAL);
	}
	CHECK(fleet_token_ok("agent-1_x"));
}

static void test_too_small(void)
{
	char buf[20];

	CHECK_EQ(fleet_subject_data(buf, sizeof(buf), P, H), -ENAMETOOLONG);
	CHECK_EQ(fleet_msg_id(buf, sizeof(buf), H, P, 1, 1), -ENAMETOOLONG);
}

int main(void)
{
	RUN(test_subjects);
	RUN(test_bad_tokens);
	RUN(test_too_small);
	CHECK_EXIT();
}
