// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The sealed answer of a key release (fleet_release.h): "EVTR", version 1, uid u32 LE, key. */
#include <errno.h>
#include <string.h>
#include "codec.h"
#include "fleet_release.h"

int fleet_release_seal(uint8_t out[FLEET_RELEASE_SEALED_SIZE], uint32_t uid,
		       const uint8_t key[FLEET_RELEASE_KEY_SIZE], const uint8_t pk[32])
{
	uint8_t plain[FLEET_RELEASE_PLAIN_SIZE];
	int err;

	memcpy(plain, FLEET_RELEASE_MAGIC, 4);
	plain[4] = FLEET_RELEASE_VERSION;
	put_le32(plain + 5, uid);
	memcpy(plain + 9, key, FLEET_RELEASE_KEY_SIZE);
	err = crypto_box_seal(out, plain, sizeof(plain), pk) ? -EINVAL : 0;
	sodium_memzero(plain, sizeof(plain));
	return err;
}

int fleet_release_open(const uint8_t *in, size_t len, const uint8_t pk[32], const uint8_t sk[32],
		       uint32_t *uid, uint8_t key[FLEET_RELEASE_KEY_SIZE])
{
	uint8_t plain[FLEET_RELEASE_PLAIN_SIZE];
	int err = 0;

	if (len != FLEET_RELEASE_SEALED_SIZE || crypto_box_seal_open(plain, in, len, pk, sk))
		return -EBADMSG;
	if (memcmp(plain, FLEET_RELEASE_MAGIC, 4) || plain[4] != FLEET_RELEASE_VERSION) {
		err = -EBADMSG;
	} else {
		*uid = get_le32(plain + 5);
		memcpy(key, plain + 9, FLEET_RELEASE_KEY_SIZE);
	}
	sodium_memzero(plain, sizeof(plain));
	return err;
}
