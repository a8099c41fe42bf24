// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-fleet status: each agent's last heartbeat in evtap-health. The age is taken from the
 * time the server stored the heartbeat, not from a clock in the value, so that a machine with
 * a wrong clock cannot look alive.
 */
#include <stdio.h>
#include <time.h>
#include <json-c/json.h>
#include "admin.h"
#include "fleet_names.h"

static void print_counters(const char *value)
{
	json_object *obj = json_tokener_parse(value);

	if (obj && json_object_is_type(obj, json_type_object))
		printf("%s\n", json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	else
		printf("(not a JSON object)\n");
	json_object_put(obj);
}

static int print_host(const struct ctl *ctl, kvStore *kv, const char *host, int64_t now_ns)
{
	kvEntry *e = NULL;
	int64_t age;

	if (kvStore_Get(&e, kv, host) != NATS_OK) {
		/* Deleted between the listing and the read: gone, not silent. */
		kvEntry_Destroy(e);
		return 0;
	}
	age = (now_ns - kvEntry_Created(e)) / 1000000000;
	printf("%-32s %7llds %-6s ", host, (long long)(age < 0 ? 0 : age),
	       age > ctl->silent_after ? "silent" : "ok");
	print_counters(kvEntry_ValueString(e));
	kvEntry_Destroy(e);
	return age > ctl->silent_after;
}

int ctl_status(struct ctl *ctl)
{
	kvKeysList keys = { 0 };
	struct timespec ts;
	struct admin a;
	kvStore *kv;
	natsStatus s;
	int silent = 0;

	if (ctl->nargs)
		return ctl_error(ctl, CTL_USAGE, "unexpected argument '%s'", ctl->args[0]);
	if (admin_connect(ctl, &a))
		return CTL_FAILED;
	kv = admin_bucket(ctl, &a, FLEET_KV_HEALTH);
	s = kv ? kvStore_Keys(&keys, kv, NULL) : NATS_ERR;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (s == NATS_OK || s == NATS_NOT_FOUND) {
		printf("%-32s %8s %-6s %s\n", "host", "age", "state", "counters");
		for (int i = 0; i < keys.Count; i++)
			silent += print_host(ctl, kv, keys.Keys[i],
					     ts.tv_sec * 1000000000LL + ts.tv_nsec);
		printf("%d host%s, %d silent (no heartbeat for more than %us)\n", keys.Count,
		       keys.Count == 1 ? "" : "s", silent, ctl->silent_after);
	} else if (kv) {
		ctl_error(ctl, 0, "cannot list %s: %s", FLEET_KV_HEALTH, nats_GetLastError(NULL));
	}
	kvKeysList_Destroy(&keys);
	kvStore_Destroy(kv);
	admin_close(&a);
	return s == NATS_OK || s == NATS_NOT_FOUND ? CTL_OK : CTL_FAILED;
}
