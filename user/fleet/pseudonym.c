// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The keyed pseudonym of a person or a host. */
#include <errno.h>
#include <sodium.h>
#include <string.h>
#include "fleet_pseudonym.h"

int fleet_pseudonym(char out[FLEET_PSEUDONYM_LEN + 1], const unsigned char key[FLEET_KEY_LEN],
		    const char *id)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	if (!*id)
		return -EINVAL;
	crypto_auth_hmacsha256(mac, (const unsigned char *)id, strlen(id), key);
	sodium_bin2hex(out, FLEET_PSEUDONYM_LEN + 1, mac, FLEET_PSEUDONYM_LEN / 2);
	sodium_memzero(mac, sizeof(mac));
	return 0;
}
