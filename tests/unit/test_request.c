// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The control-socket request parser: every bad input gets a clear error, never a crash. */
#include <errno.h>
#include <string.h>
#include "check.h"
#include "evtap.h"
#include "request.h"

static int parse(const char *s, struct request *req, char *err)
{
	return request_parse(s, strlen(s), req, err, 256);
}

static void test_valid_requests(void)
{
	struct request req;
	char err[256];

	CHECK_EQ(parse("{\"op\":\"status\"}", &req, err), 0);
	CHECK_EQ(req.op, REQ_STATUS);
	CHECK_EQ(req.has_uid, 0);
	CHECK_EQ(parse("{\"op\":\"opt-out\",\"uid\":1001}", &req, err), 0);
	CHECK_EQ(req.op, REQ_OPT_OUT);
	CHECK_EQ(req.has_uid, 1);
	CHECK_EQ(req.uid, 1001);
	CHECK_EQ(parse("{\"op\":\"level\",\"level\":\"counts\"}", &req, err), 0);
	CHECK_EQ(req.level, EVTAP_LEVEL_COUNTS);
	CHECK_EQ(parse("{\"op\":\"pause\",\"seconds\":900}", &req, err), 0);
	CHECK_EQ(req.pause_s, 900);
	CHECK_EQ(parse("{\"op\":\"export\",\"format\":\"csv\",\"since_ns\":5,\"until_ns\":9,"
		       "\"all\":true}",
		       &req, err),
		 0);
	CHECK_EQ(req.format, EXPORT_CSV);
	CHECK_EQ(req.since_ns, 5);
	CHECK_EQ(req.until_ns, 9);
	CHECK_EQ(req.all_users, 1);
	CHECK_EQ(parse("{\"op\":\"access-log\",\"uid\":1000}", &req, err), 0);
	CHECK_EQ(req.op, REQ_ACCESS_LOG);
	CHECK_EQ(req.uid, 1000);
	CHECK(!strcmp(request_op_name(REQ_ACCESS_LOG), "access-log"));
}

/* The fleet's requests: the whole choice with its time, for a named user; nothing missing. */
static void test_fleet_requests(void)
{
	static const char *const bad[] = {
		"{\"op\":\"fleet-consent\",\"opted_out\":true,\"level\":\"full\",\"changed\":1}",
		"{\"op\":\"fleet-consent\",\"uid\":1,\"level\":\"full\",\"changed\":1}",
		"{\"op\":\"fleet-consent\",\"uid\":1,\"opted_out\":1,\"level\":\"full\","
		"\"changed\":1}",
		"{\"op\":\"fleet-consent\",\"uid\":1,\"opted_out\":true,\"changed\":1}",
		"{\"op\":\"fleet-consent\",\"uid\":1,\"opted_out\":true,\"level\":\"full\"}",
		"{\"op\":\"fleet-consent\",\"uid\":1,\"opted_out\":true,\"level\":\"full\","
		"\"changed\":0}",
		"{\"op\":\"fleet-forget\"}",
	};
	struct request req;
	char err[256];

	CHECK_EQ(parse("{\"op\":\"fleet-consent\",\"uid\":1000,\"opted_out\":true,"
		       "\"level\":\"counts\",\"paused_until\":7,\"changed\":9}",
		       &req, err),
		 0);
	CHECK(req.op == REQ_FLEET_CONSENT && req.uid == 1000 && req.opted_out &&
	      req.level == EVTAP_LEVEL_COUNTS && req.paused_until_ns == 7 && req.changed_ns == 9);
	CHECK_EQ(parse("{\"op\":\"fleet-forget\",\"uid\":1000}", &req, err), 0);
	CHECK_EQ(req.op, REQ_FLEET_FORGET);
	CHECK_EQ(parse("{\"op\":\"fleet-health\"}", &req, err), 0);
	CHECK_EQ(req.op, REQ_FLEET_HEALTH);
	CHECK_EQ(parse("{\"op\":\"forget-status\"}", &req, err), 0);
	CHECK_EQ(req.op, REQ_FORGET_STATUS);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(parse(bad[i], &req, err) == -EINVAL && strstr(err, "field \""), "%s: %s",
		      bad[i], err);
}

/* fleet-policy: the good keys taken, a bad one left out and said why, no object refused. */
static void test_fleet_policy_request(void)
{
	struct request req;
	char err[256];

	CHECK_EQ(parse("{\"op\":\"fleet-policy\",\"settings\":{\"level\":{\"value\":\"counts\","
		       "\"revision\":3,\"time\":5},\"retention\":{\"value\":\"forever\"}}}",
		       &req, err),
		 0);
	CHECK_EQ(req.op, REQ_FLEET_POLICY);
	CHECK_EQ(req.policy.v.set, 1U << POLICY_LEVEL);
	CHECK(req.policy.v.level == EVTAP_LEVEL_COUNTS && req.policy.revision[POLICY_LEVEL] == 3 &&
	      req.policy.time_ns[POLICY_LEVEL] == 5);
	CHECK(strstr(req.policy_why[POLICY_RETENTION], "bad value 'forever': expected DAYSd"), "%s",
	      req.policy_why[POLICY_RETENTION]);
	CHECK_EQ(req.policy_why[POLICY_LEVEL][0], 0);
	CHECK_EQ(parse("{\"op\":\"fleet-policy\",\"settings\":{}}", &req, err), 0);
	CHECK_EQ(req.policy.v.set, 0);
	CHECK_EQ(parse("{\"op\":\"fleet-policy\"}", &req, err), -EINVAL);
	CHECK(strstr(err, "field \"settings\""), "%s", err);
	CHECK_EQ(parse("{\"op\":\"fleet-policy\",\"settings\":\"level=full\"}", &req, err),
		 -EINVAL);
}

static void test_export_defaults(void)
{
	struct request req;
	char err[256];

	CHECK_EQ(parse("{\"op\":\"export\"}", &req, err), 0);
	CHECK_EQ(req.format, EXPORT_JSONL);
	CHECK(req.since_ns == INT64_MIN && req.until_ns == INT64_MAX);
	CHECK_EQ(req.all_users, 0);
}

struct bad_case {
	const char *input;
	const char *error; /* a substring the error must contain */
};

static void test_bad_requests(void)
{
	static const struct bad_case cases[] = {
		{ "", "malformed" },
		{ "{", "malformed" },
		{ "[1,2]", "expected a JSON object" },
		{ "{\"op\":\"status\"} trailing", "malformed" },
		{ "{}", "\"op\" is missing" },
		{ "{\"op\":7}", "\"op\": expected a string" },
		{ "{\"op\":\"reboot\"}", "unknown operation" },
		{ "{\"op\":\"status\",\"uid\":-1}", "\"uid\": expected an integer from 0" },
		{ "{\"op\":\"status\",\"uid\":\"bob\"}", "\"uid\": expected an integer" },
		{ "{\"op\":\"status\",\"uid\":4294967295}", "\"uid\"" },
		{ "{\"op\":\"level\"}", "\"level\": expected" },
		{ "{\"op\":\"level\",\"level\":\"max\"}", "\"level\": expected" },
		{ "{\"op\":\"pause\"}", "\"seconds\" is missing" },
		{ "{\"op\":\"pause\",\"seconds\":0}", "\"seconds\": expected an integer from 1" },
		{ "{\"op\":\"export\",\"format\":\"xml\"}", "\"format\"" },
		{ "{\"op\":\"export\",\"all\":1}", "\"all\"" },
		{ "{\"op\":\"export\",\"since_ns\":1.5}", "\"since_ns\"" },
		{ "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":1}}}}}", "malformed" },
	};
	struct request req;
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		CHECK(parse(cases[i].input, &req, err) < 0, "accepted: %s", cases[i].input);
		CHECK(strstr(err, cases[i].error), "input %s: error '%s' lacks '%s'",
		      cases[i].input, err, cases[i].error);
	}
}

static void test_oversized_request(void)
{
	static char big[REQUEST_MAX_BYTES + 2];
	struct request req;
	char err[256];

	memset(big, ' ', sizeof(big) - 1);
	CHECK(request_parse(big, sizeof(big) - 1, &req, err, sizeof(err)) < 0);
	CHECK(strstr(err, "longer than"));
}

int main(void)
{
	RUN(test_valid_requests);
	RUN(test_fleet_requests);
	RUN(test_fleet_policy_request);
	RUN(test_export_defaults);
	RUN(test_bad_requests);
	RUN(test_oversized_request);
	CHECK_EXIT();
}
