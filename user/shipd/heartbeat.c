// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The heartbeat module (heartbeat.h). The loop takes what the heartbeat says of the shipper
 * (its counters are the loop's) when one is due, and a thread of the module's own asks evtapd
 * for its counters (2 s at most) and puts the value (one KV round trip at most), so that
 * neither ever holds up the sender. Offline, nothing is put; the first turn connected again
 * sends one at once.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include "clock.h"
#include "heartbeat.h"
#include "log.h"
#include "sync.h"

#define ANSWER_MAX (64 * 1024)

static struct sync_host host;
static pthread_t worker;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t due = PTHREAD_COND_INITIALIZER;
static struct heartbeat_in taken; /* under lock: the loop's part of the next heartbeat */
static bool pending, quit, running;
static int64_t next_at;
static bool was_connected;
/* The loop's view of errors, to name the last one: what the counters were at the last turn. */
static uint64_t seen_errors[SHIP_ERR_MAX], seen_reconnects;
static const char *last_error = "none";

/* evtapd's fleet-health answer, or NULL (and the reason in last_error). */
static json_object *ask_evtapd(void)
{
	static char answer[ANSWER_MAX];
	int err = sync_call_evtapd(&host, "{\"op\":\"fleet-health\"}", answer, sizeof(answer));
	json_object *o;

	if (err) {
		pthread_mutex_lock(&lock);
		last_error = err == -EPERM ? "evtapd refused fleet-health" : "evtapd unreachable";
		pthread_mutex_unlock(&lock);
		return NULL;
	}
	o = json_tokener_parse(answer);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int put(kvStore *kv, struct heartbeat_in *in)
{
	json_object *o = heartbeat_json(in);
	uint64_t rev = 0;
	natsStatus s =
		o ? kvStore_PutString(&rev, kv, host.host,
				      json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN))
		  : NATS_NO_MEMORY;

	json_object_put(o);
	if (s != NATS_OK)
		log_warn("heartbeat: %s: %s", FLEET_KV_HEALTH, natsStatus_GetText(s));
	return s == NATS_OK ? 0 : -1;
}

static void *heartbeat_main(void *arg)
{
	int64_t next_bind = 0;
	struct heartbeat_in in;
	kvStore *kv = NULL;
	jsCtx *js = NULL;

	pthread_mutex_lock(&lock);
	while (!quit) {
		if (!pending) {
			pthread_cond_wait(&due, &lock);
			continue;
		}
		in = taken;
		pending = false;
		pthread_mutex_unlock(&lock);
		in.evtapd = ask_evtapd();
		pthread_mutex_lock(&lock);
		in.last_error = last_error;
		pthread_mutex_unlock(&lock);
		if (!kv)
			kv = sync_bind(&host, &js, FLEET_KV_HEALTH, &next_bind);
		if (kv && put(kv, &in))
			log_debug("heartbeat: not put; the next one is due in %u s", in.interval_s);
		json_object_put(in.evtapd);
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	kvStore_Destroy(kv);
	jsCtx_Destroy(js);
	return NULL;
}

int heartbeat_start(struct shipd *sd)
{
	int err;

	host = (struct sync_host){ .nc = sd->nc, .host = sd->host, .socket = sd->evtapd_socket };
	err = -pthread_create(&worker, NULL, heartbeat_main, NULL);
	running = !err;
	return err;
}

/* A fixed reason for the newest failure the loop has counted since its last turn. */
static void note_errors(struct shipd *sd)
{
	for (int i = 0; i < SHIP_ERR_MAX; i++) {
		if (sd->c.errors[i] > seen_errors[i])
			last_error = ship_error_name(i);
		seen_errors[i] = sd->c.errors[i];
	}
	if (sd->c.reconnects > seen_reconnects)
		last_error = "disconnected";
	seen_reconnects = sd->c.reconnects;
}

void heartbeat_poll(struct shipd *sd, int64_t now)
{
	bool connected = publish_connected(sd), resumed = connected && !was_connected;

	was_connected = connected;
	pthread_mutex_lock(&lock);
	note_errors(sd);
	if (connected && (now >= next_at || resumed)) {
		taken = (struct heartbeat_in){
			.interval_s = sd->conf.heartbeat_s,
			.c = sd->c,
			.in_flight = sd->in_flight,
			.connected = connected,
		};
		pending = true;
		next_at = now + (int64_t)sd->conf.heartbeat_s * 1000000000LL;
		pthread_cond_signal(&due);
	}
	pthread_mutex_unlock(&lock);
}

void heartbeat_stop(struct shipd *sd)
{
	pthread_mutex_lock(&lock);
	quit = true;
	pthread_cond_signal(&due);
	pthread_mutex_unlock(&lock);
	if (running)
		pthread_join(worker, NULL);
	running = false;
}
