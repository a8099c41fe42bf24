/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Consent follows the person (docs/FLEET.md): this machine's consent changes, from evtapd's
 * outbox, go to the evtap-consent bucket under the person's pseudonym; every change there made
 * elsewhere goes to evtapd as a fleet-consent request for the local account of that name.
 *
 * In the shipper's loop: consent_sync_start once (the connection may still be coming up),
 * consent_sync_poll on every turn (it never waits on the broker more than a KV round trip per
 * record, nor on evtapd more than its call timeout), consent_sync_stop at the end.
 */
#ifndef EVTAP_SHIPD_CONSENT_SYNC_H
#define EVTAP_SHIPD_CONSENT_SYNC_H

#include "sync.h"

struct consent_sync;

/* h must outlive the module. Returns 0 or -ENOMEM. */
int consent_sync_start(struct consent_sync **out, const struct sync_host *h);
void consent_sync_poll(struct consent_sync *cs);
void consent_sync_stop(struct consent_sync *cs);

#endif /* EVTAP_SHIPD_CONSENT_SYNC_H */
