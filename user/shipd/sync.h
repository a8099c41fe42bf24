/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What consent sync and forget (docs/FLEET.md, "Consent follows the person" and "Forget") need
 * of the shipper that runs them: a connection, who this machine is, where evtapd's outbox and
 * control socket are, and which local accounts there are. evtap-shipd fills it from its own
 * state (modules.c); the fleet tests' driver (tests/fleet/syncdrive.c) from its flags, so that
 * both modules are tested without the rest of the shipper.
 *
 * The shipper is the only networked process and evtapd has none: local changes reach the fleet
 * through the outbox (evtapd writes, the shipper publishes and then deletes), and the fleet's
 * changes reach evtapd as fleet-consent and fleet-forget requests, which evtapd takes from the
 * ship user alone. Nothing here names a uid or a user name to the broker: keys and values
 * carry pseudonyms.
 */
#ifndef EVTAP_SHIPD_SYNC_H
#define EVTAP_SHIPD_SYNC_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include <nats/nats.h>
#include "fleet_names.h"
#include "fleet_pseudonym.h"

#define SYNC_MAX_ACCOUNTS 256
#define SYNC_KV_WAIT_MS	  2000 /* a put, get or bind; the loop waits no longer on the broker */

struct sync_account {
	uint32_t uid;
	char person[FLEET_PSEUDONYM_LEN + 1];
};

struct sync_host {
	natsConnection *nc;    /* the shipper's, connecting or connected; never closed here */
	const char *host;      /* this machine's pseudonym */
	const char *data_dir;  /* evtapd's: DATA_DIR/fleet-outbox */
	const char *state_dir; /* the shipper's: forget-receipts.json for evtapd */
	const char *socket;    /* evtapd's control socket */
	/* The local accounts and their pseudonyms, at most max; returns how many. */
	int (*accounts)(void *ctx, struct sync_account *out, int max);
	/* Forget: stop shipping uid's blocks (drop its queue and watermark); may be NULL. */
	void (*stop_shipping)(void *ctx, uint32_t uid);
	void *ctx;
	const unsigned char *pseudonym_key; /* for sync_passwd_accounts */
};

/*
 * The default accounts: each passwd entry of a person (uid 1000 to 59999, Debian's range for
 * users), with the pseudonym of its name.
 */
int sync_passwd_accounts(void *ctx, struct sync_account *out, int max);

/* uid's pseudonym among h's accounts; -ENOENT when it has none. */
int sync_person_of(const struct sync_host *h, uint32_t uid, char person[FLEET_PSEUDONYM_LEN + 1]);
/* The local uid of person; -ENOENT when no local account has that name. */
int sync_uid_of(const struct sync_host *h, const char *person, uint32_t *uid);

/*
 * One request to evtapd as the ship user: line (a JSON object, no newline) out, the answer
 * line into answer. Returns 0 when evtapd answered "ok":true, -EPERM when it refused, or a
 * negative errno when it could not be reached (then try again later).
 */
int sync_call_evtapd(const struct sync_host *h, const char *line, char *answer, size_t len);

/*
 * The outbox's records of one kind ("consent" or "forget"), oldest first: calls fn with the
 * file's name and its parsed JSON; fn returns 0 once the record is published (the file is
 * then removed), or nonzero to stop and try again on a later poll.
 */
typedef int (*sync_outbox_fn)(void *ctx, const char *name, json_object *rec);
void sync_outbox_each(const struct sync_host *h, const char *kind, sync_outbox_fn fn, void *ctx);

/* A record's or a value's field: 0 and NULL when it is missing or of another type. */
int64_t sync_json_int(json_object *o, const char *key);
const char *sync_json_str(json_object *o, const char *key);

/* Whether the connection is up now: the modules touch the broker only then. */
int sync_connected(const struct sync_host *h);

/*
 * Binds bucket (it must exist: evtap-fleet init makes them) once connected; NULL until then.
 * After a failure it tries again only SYNC_BIND_RETRY_NS later (*next_try), so that a missing
 * bucket or permission costs one round trip and one log line per interval, not per turn.
 */
#define SYNC_BIND_RETRY_NS (5 * 1000000000LL)
kvStore *sync_bind(const struct sync_host *h, jsCtx **js, const char *bucket, int64_t *next_try);

#endif /* EVTAP_SHIPD_SYNC_H */
