/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `evtap forget --status`: the forget receipts of the fleet, as evtap-shipd mirrors them into
 * forget-receipts.json in its state dir (docs/FLEET.md, "Forget"). evtapd has no network: the
 * shipper watches the receipts bucket and keeps the file; evtapd reads the caller's part.
 */
#ifndef EVTAP_RECEIPTS_H
#define EVTAP_RECEIPTS_H

#include <stdint.h>
#include <json-c/json.h>

#define RECEIPTS_FILE "forget-receipts.json"

/*
 * Adds uid's entry to o: "uid", "requested":true, "requested_at", "receipts":[{"machine",
 * "what","time"}], "purged"; or "requested":false when the fleet knows of no forget of theirs.
 * A missing or unreadable file says so in "why", never as an error of the request.
 */
void receipts_status(json_object *o, const char *state_dir, uint32_t uid);

#endif /* EVTAP_RECEIPTS_H */
