// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The access log's entries (access.h): the custodian's records as user/custodian/audit.c writes
 * them, the shipper's mirror lines written and read back, what the person is shown, and every
 * malformed field refused with its name.
 */
#include <errno.h>
#include <string.h>
#include "access.h"
#include "check.h"

#define H "66fc66f2575a06af5f464345a49885be"
#define RELEASE                                                                                    \
	"{\"time\":1764622000123456789,\"pipeline\":\"pipeline\",\"purpose\":\"ai-training\","     \
	"\"host\":\"" H "\",\"segments\":[0,7],\"released\":true,\"level\":\"full\"}"
#define REFUSAL                                                                                    \
	"{\"time\":1764622000000000000,\"pipeline\":\"pipeline\",\"purpose\":\"security\","        \
	"\"host\":\"" H "\",\"segments\":[3],\"released\":false,\"why\":\"purpose excluded\"}"

static void test_records(void)
{
	struct access_entry e;
	char err[128];

	CHECK_EQ(access_record_parse(RELEASE, strlen(RELEASE), &e, err, sizeof(err)), 0);
	CHECK(e.time_ns == 1764622000123456789LL && !strcmp(e.pipeline, "pipeline") &&
	      !strcmp(e.purpose, "ai-training") && !strcmp(e.host, H) && e.nsegments == 2 &&
	      e.segments[1] == 7 && e.released && e.level == 3 && e.seq == 0 && e.uid == 0);
	CHECK_EQ(access_record_parse(REFUSAL, strlen(REFUSAL), &e, err, sizeof(err)), 0);
	CHECK(!e.released && !strcmp(e.why, "purpose excluded") && e.segments[0] == 3);
}

/* A request too malformed for a purpose or host is still audited, with them empty. */
static void test_malformed_request_audited(void)
{
	static const char rec[] = "{\"time\":5,\"pipeline\":\"pipeline\",\"purpose\":\"\","
				  "\"host\":\"\",\"segments\":[],\"released\":false,"
				  "\"why\":\"bad person or host\"}";
	struct access_entry e;
	char err[128];

	CHECK_EQ(access_record_parse(rec, strlen(rec), &e, err, sizeof(err)), 0);
	CHECK(!e.purpose[0] && !e.host[0] && e.nsegments == 0);
}

static void test_mirror_round_trip(void)
{
	struct access_entry e, back;
	char line[ACCESS_LINE_MAX], err[128];

	CHECK_EQ(access_record_parse(REFUSAL, strlen(REFUSAL), &e, err, sizeof(err)), 0);
	e.seq = 42;
	e.uid = 1000;
	CHECK(access_line_format(&e, line, sizeof(line)) > 0);
	CHECK(!strcmp(line, "{\"seq\":42,\"uid\":1000,\"time\":1764622000000000000,"
			    "\"pipeline\":\"pipeline\",\"purpose\":\"security\",\"host\":\"" H
			    "\",\"segments\":[3],\"released\":false,\"why\":\"purpose excluded\"}"),
	      "%s", line);
	CHECK_EQ(access_line_parse(line, &back, err, sizeof(err)), 0);
	CHECK(!memcmp(&e, &back, sizeof(e)));
	CHECK_EQ(access_line_format(&e, line, 40), -ENAMETOOLONG);
	/* A record without its seq and uid is not a mirror line. */
	CHECK_EQ(access_line_parse(REFUSAL, &back, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "\"seq\""), "%s", err);
}

static void test_view(void)
{
	struct access_entry e;
	char err[128];
	json_object *o;

	CHECK_EQ(access_record_parse(RELEASE, strlen(RELEASE), &e, err, sizeof(err)), 0);
	e.uid = 1000;
	e.seq = 9;
	o = access_entry_view(&e);
	CHECK(!strcmp(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
		      "{\"time\":\"2025-12-01T20:46:40.123456Z\",\"pipeline\":\"pipeline\","
		      "\"purpose\":\"ai-training\",\"host\":\"" H "\",\"segments\":[0,7],"
		      "\"released\":true,\"level\":\"full\"}"),
	      "%s", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

/* Each bad field is refused and named: the file evtapd reads holds only checked entries. */
static void test_bad_fields(void)
{
	static const struct {
		const char *json, *field;
	} bad[] = {
		{ "[1]", "JSON object" },
		{ "{\"time\":1} x", "JSON object" },
		{ "{\"pipeline\":\"p\"}", "\"time\"" },
		{ "{\"time\":0,\"pipeline\":\"p\"}", "\"time\"" },
		{ "{\"time\":1,\"pipeline\":\"a.b\"}", "\"pipeline\"" },
		{ "{\"time\":1,\"pipeline\":\"\"}", "\"pipeline\"" },
		{ "{\"time\":1,\"pipeline\":\"p\",\"purpose\":\"A\\\"\"}", "\"purpose\"" },
		{ "{\"time\":1,\"pipeline\":\"p\",\"purpose\":\"Upper\",\"host\":\"h\","
		  "\"segments\":[],\"released\":false,\"why\":\"w\"}",
		  "\"purpose\"" },
		{ "{\"time\":1,\"pipeline\":\"p\",\"purpose\":\"\",\"host\":\"h.*\"}", "\"host\"" },
		{ "{\"time\":1,\"pipeline\":\"p\",\"purpose\":\"\",\"host\":\"h\",\"segments\":[-1]"
		  "}",
		  "\"segments\"" },
		{ "{\"time\":1,\"pipeline\":\"p\",\"purpose\":\"\",\"host\":\"h\",\"segments\":3}",
		  "\"segments\"" },
		{ "{\"time\":1,\"pipeline\":\"p\",\"purpose\":\"\",\"host\":\"h\",\"segments\":[]}",
		  "\"released\"" },
		{ "{\"time\":1,\"pipeline\":\"p\",\"purpose\":\"\",\"host\":\"h\",\"segments\":[],"
		  "\"released\":true,\"level\":\"most\"}",
		  "\"level\"" },
		{ "{\"time\":1,\"pipeline\":\"p\",\"purpose\":\"\",\"host\":\"h\",\"segments\":[],"
		  "\"released\":false,\"why\":\"\"}",
		  "\"why\"" },
		{ "{\"time\":1,\"pipeline\":\"p\",\"purpose\":\"\",\"host\":\"h\",\"segments\":[],"
		  "\"released\":false,\"why\":\"a\\nb\"}",
		  "\"why\"" },
	};
	struct access_entry e;
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK_EQ(
			access_record_parse(bad[i].json, strlen(bad[i].json), &e, err, sizeof(err)),
			-EINVAL);
		CHECK(strstr(err, bad[i].field), "%s: %s", bad[i].json, err);
	}
}

int main(void)
{
	RUN(test_records);
	RUN(test_malformed_request_audited);
	RUN(test_mirror_round_trip);
	RUN(test_view);
	RUN(test_bad_fields);
	CHECK_EXIT();
}
