/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Forget reaches every copy (docs/FLEET.md, "Forget"). A forget asked on this machine (evtapd
 * shreds it here and writes an outbox record) goes to the evtap-forget bucket under the
 * person's pseudonym. Every machine watches that bucket: for a person with a local account it
 * stops shipping them, has evtapd shred its copy (fleet-forget) and puts its receipt
 * <person>.<host> = {"what":"local-shred","time":NS,"request":NS} in evtap-receipts. The
 * eraser (evtap-erase) purges the stream and puts <person>.eraser. The receipts of the local
 * accounts are mirrored into STATE_DIR/forget-receipts.json for `evtap forget --status`.
 *
 * In the shipper's loop: forget_start once, forget_poll on every turn, forget_stop.
 */
#ifndef EVTAP_SHIPD_FORGET_H
#define EVTAP_SHIPD_FORGET_H

#include "sync.h"

struct forget;

int forget_start(struct forget **out, const struct sync_host *h);
void forget_poll(struct forget *f);
void forget_stop(struct forget *f);

#endif /* EVTAP_SHIPD_FORGET_H */
