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

#define SHARE_KEY_NAME	"key.sealed"
#define SHARE_DIR_MODE	0750
#define SHARE_FILE_MODE 0640

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

#endif /* EVTAP_SHARE_H */
