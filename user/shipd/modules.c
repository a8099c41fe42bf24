// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The loop's other steps. Each module gets the shipper (its connection sd->nc and sd->js,
 * its users) at start, a poll on every turn of the loop, which must not block, and a stop.
 * Consent sync and forget (docs/FLEET.md) see the shipper through one struct sync_host, and
 * run on a thread of their own; the heartbeat (heartbeat.c) runs on another.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "consent_sync.h"
#include "forget.h"
#include "heartbeat.h"
#include "shipd.h"
#include "store.h"

#define SYNC_TURN_NS 20000000L		 /* the sync thread's pause between polls */
#define STOP_NS	     (10 * 1000000000LL) /* longer than evtapd takes to shred */

/*
 * Consent sync and forget run on a thread of their own: their KV round trips and evtapd calls
 * (each bounded at 2 s) must never hold up the sender. They share nothing with the loop but
 * the connection (libnats is thread-safe), the pseudonym key (read-only) and the stops below.
 */
static struct sync_host host;
static struct consent_sync *consent;
static struct forget *forget;
static pthread_t worker;
static atomic_bool quit, running;

/* Forgotten uids, from the sync thread to the loop, which alone touches the users. */
static pthread_mutex_t stops_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t stops[64];
static int nstops;

/* The people of passwd, and the store's users besides (an account outside the usual range). */
static int shipd_accounts(void *ctx, struct sync_account *out, int max)
{
	struct shipd *sd = ctx;
	uint32_t *uids = NULL;
	int n = sync_passwd_accounts(&host, out, max);
	int nu = store_list_users(sd->data_dir, &uids);

	for (int i = 0; i < nu && n < max; i++) {
		struct passwd pw, *res = NULL;
		char buf[4096];
		int known = 0;
		for (int j = 0; j < n && !known; j++)
			known = out[j].uid == uids[i];
		if (known || getpwuid_r(uids[i], &pw, buf, sizeof(buf), &res) || !res ||
		    fleet_pseudonym(out[n].person, sd->pseudonym_key, pw.pw_name))
			continue;
		out[n++].uid = uids[i];
	}
	if (nu > 0)
		free(uids);
	return n;
}

static void queue_stop(void *ctx, uint32_t uid)
{
	pthread_mutex_lock(&stops_lock);
	if (nstops < (int)(sizeof(stops) / sizeof(stops[0])))
		stops[nstops++] = uid;
	pthread_mutex_unlock(&stops_lock);
}

/*
 * Sends nothing more of uid for a while (a rewind due only after STOP_NS, by when evtapd has
 * shredded what there was) and forgets its position: what is in flight settles, and what the
 * person makes after the forget ships from their store made anew.
 */
static void stop_shipping(struct shipd *sd, uint32_t uid)
{
	char name[24];

	for (size_t i = 0; i < sd->n_users; i++) {
		if (sd->users[i]->uid != uid)
			continue;
		sd->users[i]->rewind = true;
		sd->users[i]->retry_at = clock_mono_ns() + STOP_NS;
	}
	snprintf(name, sizeof(name), "%" PRIu32 ".wm", uid);
	unlinkat(sd->state_fd, name, 0);
}

static void *sync_main(void *arg)
{
	struct timespec pause = { 0, SYNC_TURN_NS };

	while (!atomic_load(&quit)) {
		consent_sync_poll(consent);
		forget_poll(forget);
		nanosleep(&pause, NULL);
	}
	return NULL;
}

static int sync_start(struct shipd *sd)
{
	int err;

	host = (struct sync_host){
		.nc = sd->nc,
		.host = sd->host,
		.data_dir = sd->data_dir,
		.state_dir = sd->state_dir,
		.socket = sd->socket,
		.accounts = shipd_accounts,
		.stop_shipping = queue_stop,
		.ctx = sd,
		.pseudonym_key = sd->pseudonym_key,
	};
	err = consent_sync_start(&consent, &host) ?: forget_start(&forget, &host);
	if (!err)
		err = -pthread_create(&worker, NULL, sync_main, NULL);
	atomic_store(&running, !err);
	return err;
}

/* The loop's part: the stops the sync thread asked for. */
static void sync_poll(struct shipd *sd, int64_t now)
{
	pthread_mutex_lock(&stops_lock);
	for (int i = 0; i < nstops; i++)
		stop_shipping(sd, stops[i]);
	nstops = 0;
	pthread_mutex_unlock(&stops_lock);
}

static void sync_stop(struct shipd *sd)
{
	atomic_store(&quit, true);
	if (atomic_load(&running))
		pthread_join(worker, NULL);
	consent_sync_stop(consent);
	forget_stop(forget);
	consent = NULL;
	forget = NULL;
}

struct module {
	const char *name;
	int (*start)(struct shipd *sd);
	void (*poll)(struct shipd *sd, int64_t now);
	void (*stop)(struct shipd *sd);
};

static const struct module modules[] = {
	{ "consent sync and forget", sync_start, sync_poll, sync_stop },
	{ "heartbeat", heartbeat_start, heartbeat_poll, heartbeat_stop },
	{ NULL },
};

int modules_start(struct shipd *sd)
{
	for (const struct module *m = modules; m->name; m++) {
		int err = m->start(sd);

		if (err)
			return err;
	}
	return 0;
}

void modules_poll(struct shipd *sd, int64_t now)
{
	for (const struct module *m = modules; m->name; m++)
		m->poll(sd, now);
}

void modules_stop(struct shipd *sd)
{
	for (const struct module *m = modules; m->name; m++)
		m->stop(sd);
}
