/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The fleet outbox (fleet mode only): each consent change and forget made on this machine, as
 * one small JSON file in DATA_DIR/fleet-outbox/, for evtap-shipd to publish to the fleet and
 * delete once the broker has acknowledged it. evtapd has no network: this directory is its
 * whole say to the fleet. A file holds the uid, the choice and its time, never event content.
 * Format: docs/FLEET.md, "Consent follows the person".
 */
#ifndef EVTAP_OUTBOX_H
#define EVTAP_OUTBOX_H

#include <stdint.h>
#include <sys/types.h>
#include "consent.h"

#define OUTBOX_DIR "fleet-outbox"

/*
 * Opens (making it) DATA_DIR/fleet-outbox, 0770 and of the ship group: the shipper reads and
 * removes what it has published. Returns the directory's fd or a negative errno.
 */
int outbox_open(const char *data_dir, gid_t ship_gid);

/* Writes one record, durably, named by its time so that the shipper sends them in order. */
int outbox_consent(int dir_fd, gid_t ship_gid, const struct consent_user *u);
int outbox_forget(int dir_fd, gid_t ship_gid, uint32_t uid, int64_t when_wall);

#endif /* EVTAP_OUTBOX_H */
