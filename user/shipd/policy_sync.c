// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The fleet's policy to evtapd (policy_sync.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "log.h"
#include "policy.h"
#include "policy_sync.h"
#include "request.h"

#define WATCH_BATCH 16		 /* entries taken per poll: the bucket has 5 keys */
#define RETRY_NS    1000000000LL /* evtapd away or failing: try again this much later */

struct policy_sync {
	const struct sync_host *h;
	jsCtx *js;
	kvStore *kv;
	kvWatcher *w;
	int64_t bind_at;
	struct fleet_policy policy; /* the bucket's good values, as the watch gave them */
	int dirty;		    /* changed since evtapd last took it */
	int64_t send_at;	    /* not before: after a failure */
};

int policy_sync_start(struct policy_sync **out, const struct sync_host *h)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	(*out)->h = h;
	return 0;
}

/* Never destroyed before the end: see consent_sync.c, drain_watch. */
void policy_sync_stop(struct policy_sync *ps)
{
	if (!ps)
		return;
	kvWatcher_Destroy(ps->w);
	kvStore_Destroy(ps->kv);
	jsCtx_Destroy(ps->js);
	free(ps);
}

/* A put: its value if good (else logged, the last good one kept); a delete: the key unset. */
static void on_entry(struct policy_sync *ps, kvEntry *e)
{
	const char *key = kvEntry_Key(e);
	int k = policy_key_parse(key);
	struct fleet_policy one = { 0 };
	kvOperation op = kvEntry_Operation(e);

	if (k < 0) {
		log_err("fleet policy: bucket %s: unknown key '%.32s': expected level, "
			"default-consent, time-granularity, retention or purposes; ignored",
			FLEET_KV_POLICY, key);
		return;
	}
	if (op == kvOp_Put && policy_parse(&one.v, k, kvEntry_ValueString(e))) {
		log_err("fleet policy: bucket %s, key %s: bad value '%.40s': expected %s; ignored, "
			"the rest applied",
			FLEET_KV_POLICY, key, kvEntry_ValueString(e), policy_expected(k));
		return;
	}
	one.revision[k] = kvEntry_Revision(e);
	one.time_ns[k] = kvEntry_Created(e);
	policy_copy_key(&ps->policy, &one, k);
	ps->dirty = 1;
}

/*
 * The watch's first values, then a marker (no entry) once they are all given, then each
 * change. The marker counts as a change: evtapd is told the policy as it is after every
 * (re)start of the shipper, none included, so that a key deleted meanwhile is dropped there.
 */
static void drain_watch(struct policy_sync *ps)
{
	kvEntry *e;

	if (!ps->w && kvStore_WatchAll(&ps->w, ps->kv, NULL) != NATS_OK) {
		ps->w = NULL;
		return;
	}
	for (int i = 0; i < WATCH_BATCH; i++) {
		e = NULL;
		if (kvWatcher_Next(&e, ps->w, 1) != NATS_OK)
			return;
		if (e)
			on_entry(ps, e);
		else
			ps->dirty = 1;
		kvEntry_Destroy(e);
	}
}

static void send_policy(struct policy_sync *ps)
{
	json_object *o = json_object_new_object();
	char answer[1024];
	const char *line;
	int ret;

	json_object_object_add(o, "op", json_object_new_string("fleet-policy"));
	json_object_object_add(o, "settings", policy_to_json(&ps->policy));
	line = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	ret = strlen(line) < REQUEST_MAX_BYTES
		      ? sync_call_evtapd(ps->h, line, answer, sizeof(answer))
		      : -E2BIG;
	json_object_put(o);
	if (ret == -EPERM && strstr(answer, "only evtap-shipd")) {
		log_err("fleet policy: evtapd refused it: %s", answer);
		ps->dirty = 0; /* not the ship user: trying again would not help */
	} else if (ret) {
		if (ret != -EPERM)
			snprintf(answer, sizeof(answer), "%s", strerror(-ret));
		log_warn("fleet policy: not taken by evtapd (%.200s); trying again in 1 s", answer);
		ps->send_at = clock_mono_ns() + RETRY_NS;
	} else {
		log_info("fleet policy: in force on this machine");
		ps->dirty = 0;
	}
}

/* evtapd is told even while the broker is away: what it missed was heard before. */
void policy_sync_poll(struct policy_sync *ps)
{
	if (sync_connected(ps->h) &&
	    (ps->kv || (ps->kv = sync_bind(ps->h, &ps->js, FLEET_KV_POLICY, &ps->bind_at))))
		drain_watch(ps);
	if (ps->dirty && clock_mono_ns() >= ps->send_at)
		send_policy(ps);
}
