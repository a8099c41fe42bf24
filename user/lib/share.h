/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Sharing the store with evtap-shipd (fleet mode): the data dir and the user directories
 * become 0750 and the segments 0640, all of the ship group, so that the shipper, in that group
 * and nothing else, reads the sealed blocks and can open nothing: the key dir, consent.conf and
 * audit.log stay 0700/0600 and root's. Each user's key, sealed to the custodian, lies beside
 * the segments as key.sealed. Format: docs/STORE.md, "Sharing with the shipper".
 */
#ifndef EVTAP_SHARE_H
#define EVTAP_SHARE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "keys.h"

#define SHARE_KEY_NAME	   "key.sealed"
#define SHARE_DURABLE_NAME "durable"
#define SHARE_DIR_MODE	   0750
#define SHARE_FILE_MODE	   0640

struct store_share {
	gid_t gid; /* the ship group */
	uint8_t custodian_pk[KEY_CUSTODIAN_PK_SIZE];
};

/* Gives fd (a directory or a segment) to the ship group with the shared mode. */
int share_fd(int fd, const struct store_share *sh, bool dir);

/* The same for every segment in the user directory dir_fd (a store that was not shared). */
int share_segments(int dir_fd, const struct store_share *sh);

/*
 * Writes dir_fd's key.sealed for uid's key, durably, unless it exists and !replace (a key
 * made anew must replace it). Returns 0 or a negative errno.
 */
int share_key(int dir_fd, uint32_t uid, const uint8_t key[KEY_SIZE], const struct store_share *sh,
	      bool replace);

/*
 * The user's durable position, DIR/durable: "SEQ OFF\n". Every block of a segment below SEQ,
 * and every block of segment SEQ that ends at or before OFF, is on disk (an fsync covered it)
 * and can no longer be cut by a discard (an opt-out): the shipper sends nothing beyond it.
 * Written after the fsync it reports, replaced whole but not fsync'ed itself (no fsync is
 * added to a flush): after a crash it may say less than is durable, never more. Returns 0 or
 * a negative errno.
 */
int share_durable_write(int dir_fd, uint64_t seq, uint64_t off, const struct store_share *sh);

/* Reads it: 0, -ENOENT when there is none yet, -EBADMSG when it is not what evtapd writes. */
int share_durable_read(int dir_fd, uint64_t *seq, uint64_t *off);

#endif /* EVTAP_SHARE_H */
