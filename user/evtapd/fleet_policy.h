/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The fleet's policy on this machine (docs/FLEET.md, "The fleet's policy"): what evtap-shipd
 * last handed over (fleet-policy, from the ship user alone), kept durably in
 * DATA_DIR/fleet-policy.json and loaded at start before any program attaches, so that a
 * restart while the broker is away keeps it. In force is the lower of it and the local
 * settings, setting by setting (policy_merge): evtap.conf may only lower the fleet's policy.
 */
#ifndef EVTAP_FLEET_POLICY_H
#define EVTAP_FLEET_POLICY_H

#include <json-c/json.h>
#include "policy.h"

#define FLEET_POLICY_FILE "fleet-policy.json"

struct daemon;
struct daemon_config;

/* The local settings: cfg's values, set where the file or a flag gave them. */
void fleet_policy_local(const struct daemon_config *cfg, struct policy_values *local);

/*
 * Loads DATA_DIR/fleet-policy.json into d (none when it is missing). A bad key is logged and
 * left out; a file that is not a policy is logged and taken as none. Never fails the start:
 * the local settings are then in force until evtap-shipd sends the fleet's again.
 */
void fleet_policy_load(struct daemon *d);

/*
 * Takes p as the fleet's policy: its bad keys (why, as policy_from_json says) are logged and
 * keep the fleet's value taken before (or none); then in force at once (daemon_apply_policy),
 * then saved.
 * Returns 0, or the save's negative errno (in force all the same, until a restart).
 */
int fleet_policy_take(struct daemon *d, const struct fleet_policy *p,
		      char why[POLICY_KEYS + 1][POLICY_WHY_MAX]);

/* "key=value ..." of p, for the audit log (purposes by name). */
void fleet_policy_describe(const struct fleet_policy *p, char *buf, size_t len);

/*
 * The status's "policy": each setting in force, its value and where it came from (local,
 * default or fleet, with the bucket's revision and time), and what the local file lowered.
 */
json_object *fleet_policy_status(const struct daemon *d);

#endif /* EVTAP_FLEET_POLICY_H */
