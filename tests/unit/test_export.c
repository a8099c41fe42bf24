// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Export formatting: the JSON-lines schema and CSV quoting of docs/SCHEMA.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
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

/* What json-c writes for r, built field by field as the schema orders them. */
static void reference(const struct evtap_record *r, const struct evtap_device *dev, char *buf,
		      size_t len)
{
	json_object *o = json_tokener_parse(buf), *ref = json_object_new_object();
	const char *const keys[] = { "ts",	     "ts_ns", "uid",   "kind", "device",
				     "device_class", "code",  "class", "name", "dx",
				     "dy",	     "value", "hvalue" };

	/* The keys in the order the line has them, each value re-made by json-c. */
	json_object_object_foreach(o, k, v)
	{
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strcmp(k, keys[i]))
				json_object_object_add(ref, k, json_object_get(v));
	}
	snprintf(buf, len, "%s\n",
		 json_object_to_json_string_ext(ref, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(ref);
	json_object_put(o);
}

/*
 * The direct writer gives json-c's bytes: every byte of a device name (escapes), every input
 * kind, negative values, no device, an unknown code.
 */
static void test_json_same_as_json_c(void)
{
	struct evtap_device dev = { .index = 1 };
	struct evtap_record r = { .ts_ns = -5, .uid = 4294967295u, .value = -2147483647 - 1 };
	char got[2048], want[2048];

	for (int c = 1; c < 256; c += 100) {
		for (int i = 0; i < 100; i++)
			dev.name[i] = (char)(c + i < 256 ? c + i : 'x');
		dev.name[100] = 0;
		for (int kind = EVTAP_KIND_KEY; kind <= EVTAP_KIND_KEYCLASS; kind++) {
			r.kind = (uint8_t)kind;
			r.code = kind == EVTAP_KIND_KEYCLASS ? 1 : 0x2ff;
			r.value2 = -7;
			format(EXPORT_JSONL, &r, kind & 1 ? &dev : NULL, got, sizeof(got));
			strcpy(want, got);
			reference(&r, kind & 1 ? &dev : NULL, want, sizeof(want));
			CHECK(!strcmp(got, want), "kind %d:\n%s%s", kind, got, want);
		}
	}
}

int main(void)
{
	RUN(test_json_key);
	RUN(test_json_same_as_json_c);
	RUN(test_json_motion_and_counts);
	RUN(test_csv_quoting);
	RUN(test_csv_counts_rows);
	CHECK_EXIT();
}
