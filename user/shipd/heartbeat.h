/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The heartbeat (docs/FLEET.md, "Health"): every [fleet] heartbeat-interval, and at once after
 * a reconnect, the shipper puts one JSON object under its host pseudonym in evtap-health:
 * versions, the kernel path, evtapd's counters (from its fleet-health request: summed over
 * users), the shipper's, the backlog and the last error, a fixed reason. `evtap-fleet status`
 * reads them. The value names no uid, user name, host name or content: it is built from
 * numbers and from names checked against a narrow alphabet, never copied text.
 */
#ifndef EVTAP_SHIPD_HEARTBEAT_H
#define EVTAP_SHIPD_HEARTBEAT_H

#include <stdbool.h>
#include <json-c/json.h>
#include "shipd.h"

/* What a heartbeat says; the loop takes it, the heartbeat's thread sends it. */
struct heartbeat_in {
	unsigned int interval_s;
	json_object *evtapd; /* evtapd's fleet-health answer; NULL when it could not be had */
	struct shipd_counters c;
	unsigned int in_flight;
	bool connected;
	const char *last_error; /* a fixed reason; "none" */
};

/* The value put in evtap-health (a new object for the caller to put), or NULL (no memory). */
json_object *heartbeat_json(const struct heartbeat_in *in);

/* The module (modules.c): a thread of its own, as its evtapd call and KV put may wait. */
int heartbeat_start(struct shipd *sd);
void heartbeat_poll(struct shipd *sd, int64_t now);
void heartbeat_stop(struct shipd *sd);

#endif /* EVTAP_SHIPD_HEARTBEAT_H */
