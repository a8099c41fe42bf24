// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Export formatting: the JSON-lines schema and CSV quoting of docs/SCHEMA.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "export.h"

static const struct evtap_device keyboard = { .index = 3,
					      .class = EVTAP_DEV_KEYBOARD,
					      .name = "Acme, \"Pro\" Keyboard/2" };

/* Formats one record into buf. */
static void format(enum export_format fmt, const struct evtap_record *r,
		   const struct evtap_device *dev, char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");

	export_record(f, fmt, r, dev);
	fclose(f);
}

static void test_json_key(void)
{
	struct evtap_record r = { .ts_ns = 1764372392123456789LL,
				  .uid = 1000,
				  .dev = 3,
				  .kind = EVTAP_KIND_KEY,
				  .code = 30,
				  .value = 1 };
	char buf[1024];

	format(EXPORT_JSONL, &r, &keyboard, buf, sizeof(buf));
	CHECK(!strcmp(buf,
		      "{\"ts\":\"2025-11-28T23:26:32.123456Z\",\"ts_ns\":1764372392123456789,"
		      "\"uid\":1000,\"kind\":\"key\",\"device\":\"Acme, \\\"Pro\\\" "
		      "Keyboard/2\",\"device_class\":\"keyboard\",\"code\":30,\"name\":\"KEY_A\","
		      "\"value\":1}\n"),
	      "%s", buf);
}

static void test_json_motion_and_counts(void)
{
	struct evtap_record m = {
		.ts_ns = 1, .uid = 1, .kind = EVTAP_KIND_MOTION, .value = -3, .value2 = 7
	};
	struct evtap_record c = { .ts_ns = 1,
				  .uid = 1,
				  .kind = EVTAP_KIND_COUNTS,
				  .counts = { .interval_ms = 1000, .clicks = 2, .motion = 40 } };
	char buf[1024];

	c.counts.keys[EVTAP_CLASS_LETTER] = 5;
	format(EXPORT_JSONL, &m, NULL, buf, sizeof(buf));
	CHECK(strstr(buf, "\"kind\":\"motion\",\"device\":null,\"device_class\":\"other\","
			  "\"name\":\"REL_XY\",\"dx\":-3,\"dy\":7}"),
	      "%s", buf);
	format(EXPORT_JSONL, &c, NULL, buf, sizeof(buf));
	CHECK(strstr(buf, "\"interval_ms\":1000,\"keys\":{\"letter\":5,\"digit\":0"), "%s", buf);
	CHECK(strstr(buf, "\"clicks\":2,\"motion\":40,\"scroll\":0}"), "%s", buf);
	CHECK(!strstr(buf, "\"device\""), "%s", buf);
}

static void test_csv_quoting(void)
{
	struct evtap_record r = { .ts_ns = 0,
				  .uid = 7,
				  .kind = EVTAP_KIND_KEYCLASS,
				  .code = EVTAP_CLASS_DIGIT,
				  .value = 0 };
	char buf[1024];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	export_begin(f, EXPORT_CSV);
	export_record(f, EXPORT_CSV, &r, &keyboard);
	fclose(f);
	CHECK(!strcmp(buf, "ts,ts_ns,uid,device,device_class,kind,code,name,value,value2\n"
			   "1970-01-01T00:00:00.000000Z,0,7,\"Acme, \"\"Pro\"\" Keyboard/2\","
			   "keyboard,keyclass,1,digit,0,0\n"),
	      "%s", buf);
}

static void test_csv_counts_rows(void)
{
	struct evtap_record c = { .ts_ns = 0,
				  .uid = 1,
				  .kind = EVTAP_KIND_COUNTS,
				  .counts = { .interval_ms = 500, .scroll = 3 } };
	char buf[4096];
	int rows = 0;

	format(EXPORT_CSV, &c, NULL, buf, sizeof(buf));
	for (char *p = buf; (p = strchr(p, '\n')); p++)
		rows++;
	CHECK_EQ(rows, EVTAP_CLASS_MAX + 3);
	CHECK(strstr(buf, ",counts,0,scroll,3,500\n"), "%s", buf);
}

int main(void)
{
	RUN(test_json_key);
	RUN(test_json_motion_and_counts);
	RUN(test_csv_quoting);
	RUN(test_csv_counts_rows);
	CHECK_EXIT();
}
