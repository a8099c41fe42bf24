// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The heartbeat's value (user/shipd/heartbeat_json.c): evtapd's counters by reason, what was
 * lost apart from what people chose, the shipper's counters, and nothing of evtapd's answer
 * that is not a known counter: no uid, no name, even when evtapd's answer holds them.
 */
#include <string.h>
#include "check.h"
#include "heartbeat.h"
#include "version.h"

/* An answer as evtapd's fleet-health gives, and planted in it what must never get through. */
static const char answer[] =
	"{\"ok\":true,\"version\":\"0.1.0\",\"kernel_path\":{\"attach\":\"fentry\","
	"\"buffer\":\"ringbuf\"},\"uid\":1000,\"user\":\"alice\",\"users\":{\"1000\":{\"seen\":9}},"
	"\"kernel\":{\"seen\":10,\"emitted\":8,\"counted\":1,\"filtered\":3,\"gate_opted_out\":2,"
	"\"lost_ringbuf_full\":1,\"gate_alice\":\"alice\",\"1001\":4},"
	"\"missed\":{\"recursion\":5},"
	"\"collector\":{\"received\":8,\"lost_perf_buffer\":6,\"malformed\":0,"
	"\"dropped\":{\"gate_paused\":1,\"1002\":7}},"
	"\"store\":{\"records_persisted\":7,\"unpersisted\":{\"discarded\":1,\"io\":2,"
	"\"Alice\":3}}}";

static json_object *build(json_object *evtapd)
{
	struct heartbeat_in in = {
		.interval_s = 30,
		.evtapd = evtapd,
		.c = { .shipped_blocks = 11,
		       .shipped_bytes = 12,
		       .reconnects = 13,
		       .expired_segments = 14,
		       .damaged = 15,
		       .backlog_bytes = 16 },
		.in_flight = 17,
		.connected = true,
		.last_error = "timeout",
	};

	in.c.errors[SHIP_ERR_NO_RESPONDERS] = 18;
	return heartbeat_json(&in);
}

static int64_t at(json_object *o, const char *a, const char *b)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, a, &v) || (b && !json_object_object_get_ex(v, b, &v)))
		return -1;
	return json_object_get_int64(v);
}

static const char *str_at(json_object *o, const char *a, const char *b)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, a, &v) || (b && !json_object_object_get_ex(v, b, &v)))
		return "";
	return json_object_get_string(v);
}

static void test_counters_by_reason(void)
{
	json_object *e = json_tokener_parse(answer), *hb = build(e), *evtapd = NULL;

	CHECK(hb && json_object_object_get_ex(hb, "evtapd", &evtapd));
	CHECK(!strcmp(str_at(hb, "version", NULL), EVTAP_VERSION));
	CHECK(!strcmp(str_at(evtapd, "state", NULL), "ok"));
	CHECK(!strcmp(str_at(evtapd, "version", NULL), "0.1.0"));
	CHECK(!strcmp(str_at(evtapd, "kernel_path", NULL), "fentry/ringbuf"));
	CHECK_EQ(at(evtapd, "captured", "seen"), 10);
	CHECK_EQ(at(evtapd, "captured", "stored"), 7);
	CHECK_EQ(at(evtapd, "dropped", "kernel_gate_opted_out"), 2);
	CHECK_EQ(at(evtapd, "dropped", "kernel_lost_ringbuf_full"), 1);
	CHECK_EQ(at(evtapd, "dropped", "missed_recursion"), 5);
	CHECK_EQ(at(evtapd, "dropped", "collector_gate_paused"), 1);
	CHECK_EQ(at(evtapd, "dropped", "collector_lost_perf_buffer"), 6);
	CHECK_EQ(at(evtapd, "dropped", "store_discarded"), 1);
	CHECK_EQ(at(evtapd, "dropped", "store_io"), 2);
	CHECK_EQ(at(evtapd, "dropped", "kernel_filtered"), -1);
	CHECK_EQ(at(hb, "lost", "kernel_lost_ringbuf_full"), 1);
	CHECK_EQ(at(hb, "lost", "store_io"), 2);
	CHECK_EQ(at(hb, "lost", "ship_expired_unshipped"), 14);
	CHECK_EQ(at(hb, "lost", "kernel_gate_opted_out"), -1);
	CHECK_EQ(at(hb, "lost", "store_discarded"), -1);
	CHECK_EQ(at(hb, "shipper", "shipped_blocks"), 11);
	CHECK_EQ(at(hb, "backlog", "bytes"), 16);
	CHECK_EQ(at(hb, "backlog", "in_flight"), 17);
	CHECK(!strcmp(str_at(hb, "last_error", NULL), "timeout"));
	json_object_put(hb);
	json_object_put(e);
}

static void test_no_uid_or_name(void)
{
	json_object *e = json_tokener_parse(answer), *hb = build(e);
	const char *text = json_object_to_json_string(hb);
	static const char *const never[] = {
		"1000", "1001", "1002", "alice", "Alice", "uid", "user"
	};

	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		CHECK(!strstr(text, never[i]), "'%s' in %s", never[i], text);
	json_object_put(hb);
	json_object_put(e);
}

static void test_evtapd_away_or_odd(void)
{
	json_object *hb = build(NULL), *e, *evtapd = NULL;

	CHECK(json_object_object_get_ex(hb, "evtapd", &evtapd));
	CHECK(!strcmp(str_at(evtapd, "state", NULL), "unreachable"));
	CHECK(!strcmp(str_at(evtapd, "kernel_path", NULL), "unknown/unknown"));
	CHECK_EQ(at(hb, "shipper", "reconnects"), 13);
	json_object_put(hb);
	e = json_tokener_parse("{\"version\":\"Alice Smith\",\"kernel_path\":{\"attach\":\"1000\","
			       "\"buffer\":[1]}}");
	hb = build(e);
	CHECK(json_object_object_get_ex(hb, "evtapd", &evtapd));
	CHECK(!strcmp(str_at(evtapd, "version", NULL), "unknown"));
	CHECK(!strcmp(str_at(evtapd, "kernel_path", NULL), "unknown/unknown"));
	json_object_put(hb);
	json_object_put(e);
}

int main(void)
{
	RUN(test_counters_by_reason);
	RUN(test_no_uid_or_name);
	RUN(test_evtapd_away_or_odd);
	CHECK_EXIT();
}
