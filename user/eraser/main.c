// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-erase [-c FILE]: the eraser role. Watches evtap-forget and purges each person asked
 * for from the streams (eraser.h), then puts the receipt <person>.eraser. Its credentials are
 * the eraser's that evtap-fleet init wrote, in the [fleet] section of FILE
 * (/etc/evtap/erase.conf). It holds no key and sees no content: it removes messages by subject.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "clock.h"
#include "fleet_forget.h"
#include "eraser.h"
#include "fleet_conf.h"
#include "fleet_conn.h"
#include "fleet_names.h"
#include "log.h"

#define KV_WAIT_MS 2000
#define RETRY_NS   (1000000000LL)
#define MAX_DONE   4096

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
}

/* The requests answered in this run (the receipts bucket says so across runs). */
struct done {
	char person[FLEET_PSEUDONYM_LEN + 1];
	int64_t requested;
};

struct eraser {
	natsConnection *nc;
	jsCtx *js;
	kvStore *forgets, *receipts;
	kvWatcher *w;
	kvEntry *pending; /* a request that failed, tried again first */
	struct done done[MAX_DONE];
	int ndone;
};

static struct done *done_slot(struct eraser *e, const char *person)
{
	for (int i = 0; i < e->ndone; i++)
		if (!strcmp(e->done[i].person, person))
			return &e->done[i];
	if (e->ndone == MAX_DONE)
		return NULL;
	snprintf(e->done[e->ndone].person, sizeof(e->done[0].person), "%s", person);
	e->done[e->ndone].requested = 0;
	return &e->done[e->ndone++];
}

static int put_receipt(struct eraser *e, const char *person, int64_t requested)
{
	char key[FLEET_PSEUDONYM_LEN + 16], value[160];

	if (fleet_receipt_key(key, sizeof(key), person, "eraser"))
		return -1;
	snprintf(value, sizeof(value),
		 "{\"what\":\"purged\",\"time\":%" PRId64 ",\"request\":%" PRId64 "}",
		 clock_wall_ns(), requested);
	return kvStore_PutString(NULL, e->receipts, key, value) == NATS_OK ? 0 : -1;
}

/*
 * Whether the eraser's receipt already answers the request: a purge is by subject, so purging
 * again after a restart would take the person's messages shipped since the forget.
 */
static int answered(struct eraser *e, const char *person, int64_t requested)
{
	char key[FLEET_PSEUDONYM_LEN + 16];
	json_object *o, *v;
	kvEntry *k = NULL;
	int ret;

	if (fleet_receipt_key(key, sizeof(key), person, "eraser") ||
	    kvStore_Get(&k, e->receipts, key) != NATS_OK)
		return 0;
	o = json_tokener_parse(kvEntry_ValueString(k));
	ret = o && json_object_object_get_ex(o, "request", &v) &&
	      json_object_get_int64(v) >= requested;
	json_object_put(o);
	kvEntry_Destroy(k);
	return ret;
}

/* One forget: 0 when purged and answered (or nothing to do), -1 to try again later. */
static int on_forget(struct eraser *e, kvEntry *k)
{
	const char *person = kvEntry_Key(k);
	int64_t requested = fleet_forget_requested(kvEntry_ValueString(k));
	struct done *d = done_slot(e, person);
	char err[512];

	if (kvEntry_Operation(k) != kvOp_Put || !d || d->requested >= requested)
		return 0;
	if (answered(e, person, requested)) {
		d->requested = requested;
		return 0;
	}
	if (eraser_purge(e->js, person, err, sizeof(err))) {
		log_warn("%.8s: purge: %s; trying again", person, err);
		return -1;
	}
	if (put_receipt(e, person, requested)) {
		log_warn("%.8s: purged, but the receipt was not put; trying again", person);
		return -1;
	}
	d->requested = requested;
	log_info("%.8s: purged from the streams, receipt put", person);
	return 0;
}

static int bind_buckets(struct eraser *e)
{
	jsOptions o;

	jsOptions_Init(&o);
	o.Wait = KV_WAIT_MS;
	if (!e->js && natsConnection_JetStream(&e->js, e->nc, &o) != NATS_OK)
		return -1;
	if (!e->forgets && js_KeyValue(&e->forgets, e->js, FLEET_KV_FORGET) != NATS_OK)
		return -1;
	if (!e->receipts && js_KeyValue(&e->receipts, e->js, FLEET_KV_RECEIPTS) != NATS_OK)
		return -1;
	return 0;
}

/*
 * One turn: the watch gives every key's latest request, then changes, and goes on across
 * reconnects by itself; it is never stopped before the end (libnats 3.4.1 reads freed memory
 * destroying a watcher whose consumer it made again, see user/shipd/consent_sync.c). A
 * request that failed is kept and tried again on the next turn, a second later.
 */
static int turn(struct eraser *e)
{
	if (natsConnection_Status(e->nc) != NATS_CONN_STATUS_CONNECTED || bind_buckets(e))
		return -1;
	if (!e->w && kvStore_WatchAll(&e->w, e->forgets, NULL) != NATS_OK) {
		e->w = NULL;
		return -1;
	}
	while (!stopping) {
		if (!e->pending && kvWatcher_Next(&e->pending, e->w, 200) != NATS_OK)
			return 0;
		if (e->pending && on_forget(e, e->pending))
			return -1;
		kvEntry_Destroy(e->pending);
		e->pending = NULL;
	}
	return 0;
}

static void run(struct eraser *e)
{
	struct timespec pause = { 0, RETRY_NS };

	while (!stopping)
		if (turn(e))
			nanosleep(&pause, NULL);
}

static void close_all(struct eraser *e)
{
	kvEntry_Destroy(e->pending);
	kvWatcher_Destroy(e->w);
	kvStore_Destroy(e->forgets);
	kvStore_Destroy(e->receipts);
	jsCtx_Destroy(e->js);
	natsConnection_Destroy(e->nc);
}

static int usage(void)
{
	fprintf(stderr, "usage: evtap-erase [-c FILE]   (default /etc/evtap/erase.conf)\n");
	return 2;
}

int main(int argc, char **argv)
{
	static struct eraser e;
	const char *path = "/etc/evtap/erase.conf";
	struct fleet_conf c;
	struct sigaction sa = { .sa_handler = on_signal };
	char err[1024];

	if (argc == 3 && !strcmp(argv[1], "-c"))
		path = argv[2];
	else if (argc != 1)
		return usage();
	log_init("evtap-erase", LOG_INFO);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fleet_conf_init(&c);
	if (fleet_conf_load(&c, path, 0, err, sizeof(err)) ||
	    fleet_connect(&e.nc, &c, "evtap-erase", FLEET_CONNECT_RETRY, err, sizeof(err))) {
		log_err("%s", err);
		fleet_conf_free(&c);
		return 1;
	}
	fleet_conf_free(&c);
	log_info("watching %s", FLEET_KV_FORGET);
	run(&e);
	close_all(&e);
	return 0;
}
