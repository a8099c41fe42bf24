// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-fleet status: each agent's last heartbeat in evtap-health (written by evtap-shipd's
 * heartbeat module, docs/FLEET.md "Health"): per machine its age, whether it is silent, the
 * kernel path, the backlog and what it lost, by reason; --json gives the values whole. The
 * age is taken from the time the server stored the heartbeat, not from a clock in the value,
 * so that a machine with a wrong clock cannot look alive.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "admin.h"
#include "fleet_names.h"

struct host_row {
	const char *host;
	int64_t age_s;
	int silent;
	json_object *value; /* the heartbeat; NULL when it is not a JSON object */
};

static const char *field_str(json_object *o, const char *a, const char *b)
{
	json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, a, &v) ||
	    (b && !json_object_object_get_ex(v, b, &v)) ||
	    !json_object_is_type(v, json_type_string))
		return "?";
	return json_object_get_string(v);
}

static void print_backlog(json_object *o)
{
	json_object *b = NULL, *v = NULL;

	if (o && json_object_object_get_ex(o, "backlog", &b) &&
	    json_object_object_get_ex(b, "bytes", &v) && json_object_is_type(v, json_type_int))
		printf("%10lld B  ", (long long)json_object_get_int64(v));
	else
		printf("%10s    ", "?");
}

/* The reasons with a count, "none" when there are none. */
static void print_lost(json_object *o)
{
	json_object *lost = NULL;
	int any = 0;

	if (!o || !json_object_object_get_ex(o, "lost", &lost) ||
	    !json_object_is_type(lost, json_type_object)) {
		printf("?\n");
		return;
	}
	json_object_object_foreach(lost, reason, v)
	{
		if (!json_object_is_type(v, json_type_int) || !json_object_get_int64(v))
			continue;
		printf("%s%s=%lld", any ? " " : "", reason, (long long)json_object_get_int64(v));
		any = 1;
	}
	printf("%s\n", any ? "" : "none");
}

static void print_row(const struct host_row *r)
{
	printf("%-32s %7llds %-6s %-15s ", r->host, (long long)r->age_s,
	       r->silent ? "silent" : "ok", field_str(r->value, "evtapd", "kernel_path"));
	print_backlog(r->value);
	print_lost(r->value);
}

static json_object *row_json(const struct host_row *r)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "host", json_object_new_string(r->host));
	json_object_object_add(o, "age_s", json_object_new_int64(r->age_s));
	json_object_object_add(o, "silent", json_object_new_boolean(r->silent));
	json_object_object_add(o, "heartbeat", json_object_get(r->value));
	return o;
}

/* 1 when the row was read (0 when the key went between the listing and the read). */
static int read_row(const struct ctl *ctl, kvStore *kv, const char *host, int64_t now_ns,
		    struct host_row *r)
{
	kvEntry *e = NULL;
	json_object *v;

	if (kvStore_Get(&e, kv, host) != NATS_OK) {
		kvEntry_Destroy(e);
		return 0;
	}
	r->host = host;
	r->age_s = (now_ns - kvEntry_Created(e)) / 1000000000;
	if (r->age_s < 0)
		r->age_s = 0;
	r->silent = r->age_s > ctl->silent_after;
	v = json_tokener_parse(kvEntry_ValueString(e));
	if (v && !json_object_is_type(v, json_type_object)) {
		json_object_put(v);
		v = NULL;
	}
	r->value = v;
	kvEntry_Destroy(e);
	return 1;
}

static void report(const struct ctl *ctl, kvStore *kv, const kvKeysList *keys, int64_t now_ns)
{
	json_object *all = json_object_new_object(), *list = json_object_new_array();
	int silent = 0, n = 0;
	struct host_row r;

	if (!ctl->json)
		printf("%-32s %8s %-6s %-15s %12s  %s\n", "host", "age", "state", "kernel",
		       "backlog", "lost");
	for (int i = 0; i < keys->Count; i++) {
		if (!read_row(ctl, kv, keys->Keys[i], now_ns, &r))
			continue;
		n++;
		silent += r.silent;
		if (ctl->json)
			json_object_array_add(list, row_json(&r));
		else
			print_row(&r);
		json_object_put(r.value);
	}
	if (ctl->json) {
		json_object_object_add(all, "silent_after_s",
				       json_object_new_int64(ctl->silent_after));
		json_object_object_add(all, "silent", json_object_new_int(silent));
		json_object_object_add(all, "hosts", list);
		printf("%s\n", json_object_to_json_string_ext(all, JSON_C_TO_STRING_PLAIN));
	} else {
		json_object_put(list);
		printf("%d host%s, %d silent (no heartbeat for more than %us)\n", n,
		       n == 1 ? "" : "s", silent, ctl->silent_after);
	}
	json_object_put(all);
}

int ctl_status(struct ctl *ctl)
{
	kvKeysList keys = { 0 };
	struct timespec ts;
	struct admin a;
	kvStore *kv;
	natsStatus s;

	if (ctl->nargs)
		return ctl_error(ctl, CTL_USAGE, "unexpected argument '%s'", ctl->args[0]);
	if (admin_connect(ctl, &a))
		return CTL_FAILED;
	kv = admin_bucket(ctl, &a, FLEET_KV_HEALTH);
	s = kv ? kvStore_Keys(&keys, kv, NULL) : NATS_ERR;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (s == NATS_OK || s == NATS_NOT_FOUND)
		report(ctl, kv, &keys, ts.tv_sec * 1000000000LL + ts.tv_nsec);
	else if (kv)
		ctl_error(ctl, 0, "cannot list %s: %s", FLEET_KV_HEALTH, nats_GetLastError(NULL));
	kvKeysList_Destroy(&keys);
	kvStore_Destroy(kv);
	admin_close(&a);
	return s == NATS_OK || s == NATS_NOT_FOUND ? CTL_OK : CTL_FAILED;
}
