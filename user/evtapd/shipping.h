/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The shipping state for `evtap status`: evtap-shipd writes it to status.json in its state
 * dir (docs/FLEET.md, "Status"), evtapd reads it, in the ship group, and shows root all of it
 * and a person their own part. A file rather than a socket: the shipper then needs no server
 * side for a local client, and its state can be read while it is down (its last word, dated).
 */
#ifndef EVTAP_SHIPPING_H
#define EVTAP_SHIPPING_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

/*
 * The "shipping" object: all of the status for root (all), else the totals without the
 * other users and uid's own entry. A missing or unreadable file gives {"state":"unknown"}
 * with the reason, never an error of the whole status.
 */
json_object *shipping_status(const char *state_dir, uint32_t uid, bool all);

#endif /* EVTAP_SHIPPING_H */
