/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The fleet's policy to evtapd (docs/FLEET.md, "The fleet's policy"): the evtap-policy bucket
 * is watched, and after each change the whole policy, as the bucket now holds it, goes to
 * evtapd as a fleet-policy request (evtapd takes it from the ship user alone, applies it as a
 * reload would and keeps it). A bad value is logged with its bucket, key and what was
 * expected, and ignored: the key keeps its last good value, the rest applies.
 *
 * In the shipper's sync thread, beside consent sync: policy_sync_start once, policy_sync_poll
 * on every turn (at most a KV round trip and one evtapd call), policy_sync_stop at the end.
 */
#ifndef EVTAP_SHIPD_POLICY_SYNC_H
#define EVTAP_SHIPD_POLICY_SYNC_H

#include "sync.h"

struct policy_sync;

/* h must outlive the module. Returns 0 or -ENOMEM. */
int policy_sync_start(struct policy_sync **out, const struct sync_host *h);
void policy_sync_poll(struct policy_sync *ps);
void policy_sync_stop(struct policy_sync *ps);

#endif /* EVTAP_SHIPD_POLICY_SYNC_H */
