/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Pseudonyms: what the broker sees instead of a user name or a machine-id. Both are keyed
 * (HMAC-SHA-256 under the fleet's pseudonym key), so that whoever runs the broker cannot
 * confirm a guess of a name without the key.
 */
#ifndef EVTAP_FLEET_PSEUDONYM_H
#define EVTAP_FLEET_PSEUDONYM_H

#include <stddef.h>
#include "fleet_names.h"

#define FLEET_KEY_LEN 32

/*
 * out = the first 16 bytes of HMAC-SHA-256(key, id) in lowercase hex, NUL-terminated. The
 * person's pseudonym takes the user name as id, the host's the machine-id. Returns 0, or
 * -EINVAL for an empty id.
 */
int fleet_pseudonym(char out[FLEET_PSEUDONYM_LEN + 1], const unsigned char key[FLEET_KEY_LEN],
		    const char *id);

/*
 * Reads a key file that must hold exactly FLEET_KEY_LEN raw bytes. Returns 0, or a negative
 * errno with err naming the file and what was wrong (missing, too short, too long).
 */
int fleet_read_key(const char *path, unsigned char key[FLEET_KEY_LEN], char *err, size_t errlen);

/*
 * The machine's id: the first line of path (normally /etc/machine-id), which must not be
 * empty. Returns 0, or a negative errno with err saying why.
 */
int fleet_read_machine_id(const char *path, char *buf, size_t len, char *err, size_t errlen);

#endif /* EVTAP_FLEET_PSEUDONYM_H */
