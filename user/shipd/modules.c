// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The loop's other steps. Each module gets the shipper (its connection sd->nc and sd->js,
 * its users) at start, a poll on every turn of the loop, which must not block, and a stop.
 * Consent sync and forget (docs/FLEET.md) see the shipper through one struct sync_host.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "consent_sync.h"
#include "forget.h"
#include "shipd.h"

#define EVTAPD_SOCKET "/run/evtap/evtap.sock"

static struct sync_host host;
static struct consent_sync *consent;
static struct forget *forget;

/* The people of passwd, and the store's users besides (an account outside the usual range). */
static int shipd_accounts(void *ctx, struct sync_account *out, int max)
{
	struct shipd *sd = ctx;
	int n = sync_passwd_accounts(&host, out, max);

	for (size_t i = 0; i < sd->n_users && n < max; i++) {
		int known = 0;
		for (int j = 0; j < n && !known; j++)
			known = out[j].uid == sd->users[i]->uid;
		if (known)
			continue;
		out[n].uid = sd->users[i]->uid;
		memcpy(out[n++].person, sd->users[i]->person, sizeof(out[0].person));
	}
	return n;
}

/*
 * Sends nothing more of uid (a rewind that never comes due) and forgets its position: what
 * is still in flight settles, and the user goes once evtapd has shredded the directory.
 */
static void shipd_stop_shipping(void *ctx, uint32_t uid)
{
	struct shipd *sd = ctx;
	char name[24];

	for (size_t i = 0; i < sd->n_users; i++) {
		if (sd->users[i]->uid != uid)
			continue;
		sd->users[i]->rewind = true;
		sd->users[i]->retry_at = INT64_MAX;
	}
	snprintf(name, sizeof(name), "%" PRIu32 ".wm", uid);
	unlinkat(sd->state_fd, name, 0);
}

static int sync_start(struct shipd *sd)
{
	host = (struct sync_host){
		.nc = sd->nc,
		.host = sd->host,
		.data_dir = sd->data_dir,
		.state_dir = sd->state_dir,
		.socket = EVTAPD_SOCKET,
		.accounts = shipd_accounts,
		.stop_shipping = shipd_stop_shipping,
		.ctx = sd,
		.pseudonym_key = sd->pseudonym_key,
	};
	return consent_sync_start(&consent, &host) ?: forget_start(&forget, &host);
}

static void sync_poll(struct shipd *sd, int64_t now)
{
	consent_sync_poll(consent);
	forget_poll(forget);
}

static void sync_stop(struct shipd *sd)
{
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
