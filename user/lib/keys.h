/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The key dir: a host key, and each user's segment key wrapped by it. It lives outside the data
 * dir, so that a copy of the data dir alone decrypts nothing, and destroying a user's wrapped
 * key makes every copy of that user's segments unreadable. Format: docs/STORE.md.
 */
#ifndef EVTAP_KEYS_H
#define EVTAP_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sodium.h>

#define KEY_SIZE crypto_aead_xchacha20poly1305_ietf_KEYBYTES

struct keyring;

/*
 * Opens key_dir and its host key. With create, makes the dir (0700) and the host key (0600) if
 * they do not exist; else a missing one is -ENOENT. Returns 0 or a negative errno.
 */
int keyring_open(struct keyring **out, const char *key_dir, bool create);
void keyring_close(struct keyring *kr); /* wipes the host key from memory */

/*
 * Unwraps uid's key into key. With create, a user without one gets a new random key, durable
 * before this returns. Returns 0, -ENOENT (no key: the user was forgotten), -EBADMSG (the
 * wrapped key does not open with this host key) or another negative errno.
 */
int keyring_user_key(struct keyring *kr, uint32_t uid, bool create, uint8_t key[KEY_SIZE]);

/*
 * Destroys uid's wrapped key, durably: overwrites the file with random bytes and fsyncs it, then
 * unlinks it and fsyncs the key dir. A user without one is not an error.
 */
int keyring_forget(struct keyring *kr, uint32_t uid);

/*
 * A user's key sealed (crypto_box_seal) to the fleet custodian's X25519 public key, so that
 * it can leave the machine and only the custodian can open it: the sealed box of "EVTK", a
 * version byte (1), the uid (u32 LE) and the key. Format: docs/FLEET.md, "Messages".
 */
#define KEY_SEALED_MAGIC      "EVTK"
#define KEY_SEALED_VERSION    1
#define KEY_SEALED_PLAIN_SIZE (4 + 1 + 4 + KEY_SIZE)
#define KEY_SEALED_SIZE	      (KEY_SEALED_PLAIN_SIZE + crypto_box_SEALBYTES)
#define KEY_CUSTODIAN_PK_SIZE crypto_box_PUBLICKEYBYTES

/* Returns 0, or -EINVAL if the public key is not one (crypto_box_seal refused it). */
int key_seal_for_custodian(uint8_t out[KEY_SEALED_SIZE], uint32_t uid, const uint8_t key[KEY_SIZE],
			   const uint8_t custodian_pk[KEY_CUSTODIAN_PK_SIZE]);

/*
 * Opens a key sealed by key_seal_for_custodian with the custodian's key pair: what only
 * evtap-custodian does. Returns 0, or -EBADMSG if it does not open or is not a sealed key.
 */
int key_open_sealed(const uint8_t *in, size_t len, const uint8_t pk[KEY_CUSTODIAN_PK_SIZE],
		    const uint8_t sk[crypto_box_SECRETKEYBYTES], uint32_t *uid,
		    uint8_t key[KEY_SIZE]);

#endif /* EVTAP_KEYS_H */
