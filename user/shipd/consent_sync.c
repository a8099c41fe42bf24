// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Consent sync (consent_sync.h). The bucket's value, under the person's pseudonym:
 *
 *     {"opted_out":true,"level":"full","paused_until":0,"changed":NS,"origin":HOST,
 *      "excluded_purposes":["ai-training"]}
 *
 * the person's whole choice, when it was made (wall clock of the machine that made it, ns)
 * and that machine's pseudonym. The rule that decides between two choices is the one evtapd
 * applies (consent_fleet_wins): the later one wins, and at the same time an opt-out.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "consent_sync.h"
#include "fleet_names.h"
#include "log.h"
#include "purposes.h"

#define WATCH_BATCH 64 /* entries taken per poll */

struct choice {
	int opted_out;
	const char *level;
	int64_t paused_until;
	int64_t changed;
	const char *origin;
	char excluded[PURPOSES_TEXT]; /* comma-separated (purposes.h) */
};

/* What was last handed to evtapd per person: a value given again is not sent again. */
struct seen {
	char person[FLEET_PSEUDONYM_LEN + 1];
	int64_t changed;
};

struct consent_sync {
	const struct sync_host *h;
	jsCtx *js;
	kvStore *kv;
	kvWatcher *w;
	kvEntry *pending; /* taken from the watch, not yet given to evtapd (it was away) */
	int64_t bind_at;  /* the next try to bind the bucket */
	struct seen seen[SYNC_MAX_ACCOUNTS];
	int nseen;
};

int consent_sync_start(struct consent_sync **out, const struct sync_host *h)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	(*out)->h = h;
	return 0;
}

void consent_sync_stop(struct consent_sync *cs)
{
	if (!cs)
		return;
	kvEntry_Destroy(cs->pending);
	kvWatcher_Destroy(cs->w);
	kvStore_Destroy(cs->kv);
	jsCtx_Destroy(cs->js);
	free(cs);
}

/*
 * The excluded purposes: a JSON array in the bucket (for the custodian, docs/FLEET.md), the
 * comma-separated list in evtapd's outbox; none when absent. -EINVAL for a bad name.
 */
static int get_excluded(json_object *o, char *list)
{
	json_object *v;
	const char *name;

	list[0] = 0;
	if (!json_object_object_get_ex(o, "excluded_purposes", &v))
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		snprintf(list, PURPOSES_TEXT, "%s", json_object_get_string(v));
		return purposes_list_ok(list) ? 0 : -EINVAL;
	}
	if (!json_object_is_type(v, json_type_array))
		return -EINVAL;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		name = json_object_get_string(json_object_array_get_idx(v, i));
		if (!name || !purpose_name_ok(name, strlen(name)) || purposes_add(list, name))
			return -EINVAL;
	}
	return 0;
}

/* ["a","b"] of the list "a,b". */
static void excluded_json(char *buf, size_t len, const char *list)
{
	size_t n = (size_t)snprintf(buf, len, "[");

	for (const char *p = list; *p && n < len;
	     p += strcspn(p, ",") + (p[strcspn(p, ",")] == ','))
		n += (size_t)snprintf(buf + n, len - n, "%s\"%.*s\"", n > 1 ? "," : "",
				      (int)strcspn(p, ","), p);
	if (n < len)
		snprintf(buf + n, len - n, "]");
}

static int get_choice(json_object *o, struct choice *c)
{
	json_object *v;

	if (!json_object_object_get_ex(o, "opted_out", &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return -EINVAL;
	c->opted_out = json_object_get_boolean(v);
	c->level = sync_json_str(o, "level");
	c->paused_until = sync_json_int(o, "paused_until");
	c->changed = sync_json_int(o, "changed");
	c->origin = sync_json_str(o, "origin");
	if (get_excluded(o, c->excluded))
		return -EINVAL;
	return c->level && c->changed > 0 ? 0 : -EINVAL;
}

/* evtapd's consent_fleet_wins, over the bucket's values. */
static int newer(const struct choice *a, const struct choice *b)
{
	return a->changed > b->changed ||
	       (a->changed == b->changed && a->opted_out && !b->opted_out);
}

/*
 * Whether the bucket already holds c or a choice newer than it (then c is superseded: it is
 * not put, so that an offline machine coming back cannot turn the fleet's latest into an older
 * one, nor put one choice twice); *rev is the revision to update, 0 when the key is new.
 */
static int superseded(kvStore *kv, const char *person, const struct choice *c, uint64_t *rev)
{
	struct choice have;
	kvEntry *e = NULL;
	json_object *o;
	int ret = 0;

	*rev = 0;
	if (kvStore_Get(&e, kv, person) != NATS_OK)
		return 0;
	*rev = kvEntry_Revision(e);
	o = json_tokener_parse(kvEntry_ValueString(e));
	if (o && !get_choice(o, &have))
		ret = !newer(c, &have);
	json_object_put(o);
	kvEntry_Destroy(e);
	return ret;
}

static void format_value(char *buf, size_t len, const struct choice *c, const char *host)
{
	char excluded[PURPOSES_TEXT * 2 + 4];

	excluded_json(excluded, sizeof(excluded), c->excluded);
	snprintf(buf, len,
		 "{\"opted_out\":%s,\"level\":\"%s\",\"paused_until\":%" PRId64
		 ",\"changed\":%" PRId64 ",\"origin\":\"%s\",\"excluded_purposes\":%s}",
		 c->opted_out ? "true" : "false", c->level, c->paused_until, c->changed, host,
		 excluded);
}

/* One outbox record to the bucket: 0 once it is there or superseded, else 1 (try later). */
static int publish_one(void *ctx, const char *name, json_object *rec)
{
	struct consent_sync *cs = ctx;
	char person[FLEET_PSEUDONYM_LEN + 1], value[256 + PURPOSES_TEXT * 2];
	struct choice c;
	uint64_t rev;
	natsStatus s;

	if (get_choice(rec, &c) ||
	    sync_person_of(cs->h, (uint32_t)sync_json_int(rec, "uid"), person)) {
		log_warn("fleet consent: %s: no such local account or not a record; dropped", name);
		return 0;
	}
	if (superseded(cs->kv, person, &c, &rev)) {
		log_info("fleet consent: %.8s: the fleet has this choice or a newer one", person);
		return 0;
	}
	format_value(value, sizeof(value), &c, cs->h->host);
	/* Compare and set: a put by another machine since the get makes this one try again. */
	s = rev ? kvStore_UpdateString(NULL, cs->kv, person, value, rev)
		: kvStore_CreateString(NULL, cs->kv, person, value);
	if (s != NATS_OK)
		return 1;
	log_info("fleet consent: %.8s: published (%s)", person, name);
	return 0;
}

static struct seen *seen_slot(struct consent_sync *cs, const char *person)
{
	for (int i = 0; i < cs->nseen; i++)
		if (!strcmp(cs->seen[i].person, person))
			return &cs->seen[i];
	if (cs->nseen == SYNC_MAX_ACCOUNTS)
		return NULL;
	snprintf(cs->seen[cs->nseen].person, sizeof(cs->seen[0].person), "%s", person);
	cs->seen[cs->nseen].changed = 0;
	return &cs->seen[cs->nseen++];
}

/* 0 when done with (applied, kept or not ours), -1 when evtapd could not be reached. */
static int apply(struct consent_sync *cs, const char *person, const struct choice *c)
{
	struct seen *seen = seen_slot(cs, person);
	char line[320 + PURPOSES_TEXT], answer[1024];
	uint32_t uid;
	int ret;

	if (sync_uid_of(cs->h, person, &uid) || (seen && seen->changed == c->changed))
		return 0;
	snprintf(line, sizeof(line),
		 "{\"op\":\"fleet-consent\",\"uid\":%u,\"opted_out\":%s,\"level\":\"%s\","
		 "\"paused_until\":%" PRId64 ",\"changed\":%" PRId64
		 ",\"excluded_purposes\":\"%s\"}",
		 uid, c->opted_out ? "true" : "false", c->level, c->paused_until, c->changed,
		 c->excluded);
	ret = sync_call_evtapd(cs->h, line, answer, sizeof(answer));
	if (ret && ret != -EPERM)
		return -1;
	if (ret)
		log_warn("fleet consent: %.8s: evtapd refused: %s", person, answer);
	else
		log_info("fleet consent: %.8s: %s", person,
			 strstr(answer, "\"applied\":true") ? "applied"
							    : "kept the newer choice here");
	if (seen)
		seen->changed = c->changed;
	return 0;
}

/* An entry of the watch: a put of another machine's choice, for a local account. */
static int on_entry(struct consent_sync *cs, kvEntry *e)
{
	const char *person = kvEntry_Key(e);
	struct choice c;
	json_object *o;
	int ret = 0;

	if (kvEntry_Operation(e) != kvOp_Put || !fleet_token_ok(person))
		return 0;
	o = json_tokener_parse(kvEntry_ValueString(e));
	if (o && !get_choice(o, &c) && (!c.origin || strcmp(c.origin, cs->h->host)))
		ret = apply(cs, person, &c);
	json_object_put(o);
	return ret;
}

/*
 * The watch gives each key's latest value first, then every change, and goes on across
 * reconnects by itself (libnats' ordered consumer makes itself again). It is never stopped
 * before the end: libnats 3.4.1 reads freed memory destroying a watcher whose consumer it has
 * made again (AddressSanitizer, in jsSub_deleteConsumer). An entry evtapd could not take is
 * kept and given again first on the next poll; later ones wait in the watch meanwhile.
 */
static void drain_watch(struct consent_sync *cs)
{
	if (!cs->w && kvStore_WatchAll(&cs->w, cs->kv, NULL) != NATS_OK) {
		cs->w = NULL;
		return;
	}
	for (int i = 0; i < WATCH_BATCH; i++) {
		if (!cs->pending && kvWatcher_Next(&cs->pending, cs->w, 1) != NATS_OK)
			return;
		if (cs->pending && on_entry(cs, cs->pending))
			return;
		kvEntry_Destroy(cs->pending);
		cs->pending = NULL;
	}
}

void consent_sync_poll(struct consent_sync *cs)
{
	if (!sync_connected(cs->h))
		return;
	if (!cs->kv && !(cs->kv = sync_bind(cs->h, &cs->js, FLEET_KV_CONSENT, &cs->bind_at)))
		return;
	sync_outbox_each(cs->h, "consent", publish_one, cs);
	drain_watch(cs);
}
