// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Forget (forget.h). The evtap-forget value: {"requested":NS,"origin":HOST}, when the forget
 * was asked and where. Receipts name the request they answer, so that a second forget of the
 * same person (after new data) is told apart from the first.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "fileio.h"
#include "forget.h"
#include "log.h"

#define WATCH_BATCH   64
#define MAX_REQUESTS  SYNC_MAX_ACCOUNTS
#define MAX_RECEIPTS  1024
#define RECEIPTS_FILE "forget-receipts.json"

struct request {
	char person[FLEET_PSEUDONYM_LEN + 1];
	int64_t requested;
	int64_t done; /* the request this machine has shredded for and answered */
};

struct receipt {
	char person[FLEET_PSEUDONYM_LEN + 1];
	char who[FLEET_PSEUDONYM_LEN + 1]; /* a host's pseudonym, or a role: "eraser" */
	char what[16];
	int64_t time, request;
};

struct forget {
	const struct sync_host *h;
	jsCtx *js;
	kvStore *forgets, *receipts;
	kvWatcher *wf, *wr;
	kvEntry *pf, *pr; /* of each watch, an entry not yet taken (drain) */
	int64_t bind_at;  /* the next try to bind the buckets */
	struct request req[MAX_REQUESTS];
	int nreq;
	struct receipt rc[MAX_RECEIPTS];
	int nrc;
	int dirty; /* the snapshot is behind */
};

int forget_start(struct forget **out, const struct sync_host *h)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	(*out)->h = h;
	return 0;
}

void forget_stop(struct forget *f)
{
	if (!f)
		return;
	kvEntry_Destroy(f->pf);
	kvEntry_Destroy(f->pr);
	kvWatcher_Destroy(f->wf);
	kvWatcher_Destroy(f->wr);
	kvStore_Destroy(f->forgets);
	kvStore_Destroy(f->receipts);
	jsCtx_Destroy(f->js);
	free(f);
}

static struct request *request_slot(struct forget *f, const char *person)
{
	for (int i = 0; i < f->nreq; i++)
		if (!strcmp(f->req[i].person, person))
			return &f->req[i];
	if (f->nreq == MAX_REQUESTS)
		return NULL;
	memset(&f->req[f->nreq], 0, sizeof(f->req[0]));
	snprintf(f->req[f->nreq].person, sizeof(f->req[0].person), "%s", person);
	return &f->req[f->nreq++];
}

/* The latest request the bucket holds for person, 0 for none. */
static int64_t requested_in_bucket(struct forget *f, const char *person)
{
	kvEntry *e = NULL;
	json_object *o;
	int64_t t;

	if (kvStore_Get(&e, f->forgets, person) != NATS_OK)
		return 0;
	o = json_tokener_parse(kvEntry_ValueString(e));
	t = o ? sync_json_int(o, "requested") : 0;
	json_object_put(o);
	kvEntry_Destroy(e);
	return t;
}

/*
 * One outbox record to the bucket. Shipping stops at once, before the broker hears of it: a
 * block still in flight could otherwise land after the purge.
 */
static int publish_one(void *ctx, const char *name, json_object *rec)
{
	struct forget *f = ctx;
	char person[FLEET_PSEUDONYM_LEN + 1], value[128];
	uint32_t uid = (uint32_t)sync_json_int(rec, "uid");

	if (sync_person_of(f->h, uid, person)) {
		log_warn("fleet forget: %s: no such local account; dropped", name);
		return 0;
	}
	if (f->h->stop_shipping)
		f->h->stop_shipping(f->h->ctx, uid);
	if (requested_in_bucket(f, person) >= sync_json_int(rec, "changed"))
		return 0; /* already there: a record that could not be removed */
	snprintf(value, sizeof(value), "{\"requested\":%" PRId64 ",\"origin\":\"%s\"}",
		 sync_json_int(rec, "changed"), f->h->host);
	if (kvStore_PutString(NULL, f->forgets, person, value) != NATS_OK)
		return 1;
	log_info("fleet forget: %.8s: published", person);
	return 0;
}

static int put_receipt(struct forget *f, const char *person, int64_t request)
{
	char key[2 * FLEET_PSEUDONYM_LEN + 2], value[160];

	if (fleet_receipt_key(key, sizeof(key), person, f->h->host))
		return -EINVAL;
	snprintf(value, sizeof(value),
		 "{\"what\":\"local-shred\",\"time\":%" PRId64 ",\"request\":%" PRId64 "}",
		 clock_wall_ns(), request);
	return kvStore_PutString(NULL, f->receipts, key, value) == NATS_OK ? 0 : -EIO;
}

/*
 * Whether this machine's receipt in the bucket already answers the request: after a restart
 * the watch gives every request again, and shredding again would take the person's data made
 * since the forget.
 */
static int answered(struct forget *f, const struct request *r)
{
	char key[2 * FLEET_PSEUDONYM_LEN + 2];
	kvEntry *e = NULL;
	json_object *o;
	int ret = 0;

	if (fleet_receipt_key(key, sizeof(key), r->person, f->h->host) ||
	    kvStore_Get(&e, f->receipts, key) != NATS_OK)
		return 0;
	o = json_tokener_parse(kvEntry_ValueString(e));
	ret = o && sync_json_int(o, "request") >= r->requested;
	json_object_put(o);
	kvEntry_Destroy(e);
	return ret;
}

/* A forget of a local account's person: stop shipping, shred here, answer. -1: retry later. */
static int shred_here(struct forget *f, struct request *r)
{
	char line[96], answer[512];
	uint32_t uid;
	int ret;

	if (r->done >= r->requested || sync_uid_of(f->h, r->person, &uid))
		return 0;
	if (answered(f, r)) {
		r->done = r->requested;
		return 0;
	}
	if (f->h->stop_shipping)
		f->h->stop_shipping(f->h->ctx, uid);
	snprintf(line, sizeof(line), "{\"op\":\"fleet-forget\",\"uid\":%u}", uid);
	ret = sync_call_evtapd(f->h, line, answer, sizeof(answer));
	if (ret) {
		log_warn("fleet forget: %.8s: evtapd: %s", r->person,
			 ret == -EPERM ? answer : strerror(-ret));
		return -1;
	}
	if (put_receipt(f, r->person, r->requested))
		return -1;
	r->done = r->requested;
	f->dirty = 1;
	log_info("fleet forget: %.8s: shredded here, receipt published", r->person);
	return 0;
}

static int on_forget(struct forget *f, kvEntry *e)
{
	struct request *r;
	json_object *o;

	if (kvEntry_Operation(e) != kvOp_Put || !fleet_token_ok(kvEntry_Key(e)))
		return 0;
	r = request_slot(f, kvEntry_Key(e));
	o = json_tokener_parse(kvEntry_ValueString(e));
	if (!r || !o) {
		json_object_put(o);
		return 0;
	}
	r->requested = sync_json_int(o, "requested");
	json_object_put(o);
	f->dirty = 1;
	return shred_here(f, r);
}

static struct receipt *receipt_slot(struct forget *f, const char *person, const char *who)
{
	for (int i = 0; i < f->nrc; i++)
		if (!strcmp(f->rc[i].person, person) && !strcmp(f->rc[i].who, who))
			return &f->rc[i];
	return f->nrc < MAX_RECEIPTS ? &f->rc[f->nrc++] : NULL;
}

/* "<person>.<who>": both tokens, as fleet_receipt_key builds it. */
static int on_receipt(struct forget *f, kvEntry *e)
{
	const char *key = kvEntry_Key(e), *dot = strchr(key, '.');
	char person[FLEET_PSEUDONYM_LEN + 1];
	struct receipt *r;
	json_object *o;

	if (kvEntry_Operation(e) != kvOp_Put || !dot || dot - key > FLEET_PSEUDONYM_LEN ||
	    strlen(dot + 1) > FLEET_PSEUDONYM_LEN)
		return 0;
	snprintf(person, sizeof(person), "%.*s", (int)(dot - key), key);
	o = json_tokener_parse(kvEntry_ValueString(e));
	r = o ? receipt_slot(f, person, dot + 1) : NULL;
	if (r) {
		snprintf(r->person, sizeof(r->person), "%s", person);
		snprintf(r->who, sizeof(r->who), "%s", dot + 1);
		snprintf(r->what, sizeof(r->what), "%s", sync_json_str(o, "what") ?: "");
		r->time = sync_json_int(o, "time");
		r->request = sync_json_int(o, "request");
		f->dirty = 1;
	}
	json_object_put(o);
	return 0;
}

/*
 * Takes what a watch has. As in consent sync (drain_watch there), a watch is never stopped
 * before the end, and an entry whose handler failed (evtapd away) is kept and given again
 * first on the next poll.
 */
static void drain(struct forget *f, kvStore *kv, kvWatcher **w, kvEntry **pending,
		  int (*fn)(struct forget *f, kvEntry *e))
{
	if (!*w && kvStore_WatchAll(w, kv, NULL) != NATS_OK) {
		*w = NULL;
		return;
	}
	for (int i = 0; i < WATCH_BATCH; i++) {
		if (!*pending && kvWatcher_Next(pending, *w, 1) != NATS_OK)
			return;
		if (*pending && fn(f, *pending))
			return;
		kvEntry_Destroy(*pending);
		*pending = NULL;
	}
}

static json_object *time_string(int64_t ns)
{
	char ts[40];

	clock_format_rfc3339(ns, ts, sizeof(ts));
	return json_object_new_string(ts);
}

/* A local account's entry: the latest request, the receipts answering it, purged or not. */
static json_object *user_entry(const struct forget *f, const struct request *r)
{
	json_object *o = json_object_new_object(), *list = json_object_new_array();
	int purged = 0;

	json_object_object_add(o, "requested_at", time_string(r->requested));
	for (int i = 0; i < f->nrc; i++) {
		const struct receipt *rc = &f->rc[i];
		json_object *x;
		if (strcmp(rc->person, r->person) || rc->request < r->requested)
			continue;
		purged |= !strcmp(rc->who, "eraser") && !strcmp(rc->what, "purged");
		x = json_object_new_object();
		json_object_object_add(x, "machine", json_object_new_string(rc->who));
		json_object_object_add(x, "what", json_object_new_string(rc->what));
		json_object_object_add(x, "time", time_string(rc->time));
		json_object_array_add(list, x);
	}
	json_object_object_add(o, "receipts", list);
	json_object_object_add(o, "purged", json_object_new_boolean(purged));
	return o;
}

/* forget-receipts.json, by local uid: evtapd shows each person their own entry. */
static void write_snapshot(struct forget *f)
{
	json_object *all = json_object_new_object(), *users = json_object_new_object();
	const char *text;
	char name[16];
	uint32_t uid;
	int dir_fd, err;

	for (int i = 0; i < f->nreq; i++) {
		if (sync_uid_of(f->h, f->req[i].person, &uid))
			continue;
		snprintf(name, sizeof(name), "%u", uid);
		json_object_object_add(users, name, user_entry(f, &f->req[i]));
	}
	json_object_object_add(all, "updated", time_string(clock_wall_ns()));
	json_object_object_add(all, "users", users);
	text = json_object_to_json_string_ext(all, JSON_C_TO_STRING_PLAIN);
	dir_fd = open(f->h->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	err = dir_fd < 0 ? -errno
			 : fileio_replace(dir_fd, RECEIPTS_FILE, text, strlen(text), 0640,
					  FILEIO_SAME_GID);
	if (dir_fd >= 0)
		close(dir_fd);
	if (err)
		log_warn("%s/%s: %s", f->h->state_dir, RECEIPTS_FILE, strerror(-err));
	f->dirty = err != 0;
	json_object_put(all);
}

void forget_poll(struct forget *f)
{
	if (!sync_connected(f->h))
		return;
	if (!f->forgets && !(f->forgets = sync_bind(f->h, &f->js, FLEET_KV_FORGET, &f->bind_at)))
		return;
	if (!f->receipts &&
	    !(f->receipts = sync_bind(f->h, &f->js, FLEET_KV_RECEIPTS, &f->bind_at)))
		return;
	sync_outbox_each(f->h, "forget", publish_one, f);
	drain(f, f->forgets, &f->wf, &f->pf, on_forget);
	drain(f, f->receipts, &f->wr, &f->pr, on_receipt);
	if (f->dirty)
		write_snapshot(f);
}
