/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A key release (docs/FLEET.md, "The custodian"): a pipeline asks evtap-custodian on
 * FLEET_SUBJECT_RELEASE for a person's data key with a fresh X25519 public key of its own; the
 * custodian answers with the uid and key sealed (crypto_box_seal) to that public key, so that
 * the key is never on the wire or in a log in the clear, and only the asking process opens it.
 * Both sides build and open the sealed answer here.
 */
#ifndef EVTAP_FLEET_RELEASE_H
#define EVTAP_FLEET_RELEASE_H

#include <stddef.h>
#include <stdint.h>
#include <sodium.h>

#define FLEET_RELEASE_MAGIC	   "EVTR"
#define FLEET_RELEASE_VERSION	   1
#define FLEET_RELEASE_KEY_SIZE	   32 /* the data key, crypto_aead_xchacha20poly1305_ietf_KEYBYTES */
#define FLEET_RELEASE_PLAIN_SIZE   (4 + 1 + 4 + FLEET_RELEASE_KEY_SIZE)
#define FLEET_RELEASE_SEALED_SIZE  (FLEET_RELEASE_PLAIN_SIZE + crypto_box_SEALBYTES)
#define FLEET_RELEASE_MAX_SEGMENTS 64 /* segments one request names, for the audit record */

/* Seals uid and key to pk. Returns 0, or -EINVAL if pk is not a public key. */
int fleet_release_seal(uint8_t out[FLEET_RELEASE_SEALED_SIZE], uint32_t uid,
		       const uint8_t key[FLEET_RELEASE_KEY_SIZE], const uint8_t pk[32]);

/* Opens a sealed answer with the asker's key pair. Returns 0, or -EBADMSG. */
int fleet_release_open(const uint8_t *in, size_t len, const uint8_t pk[32], const uint8_t sk[32],
		       uint32_t *uid, uint8_t key[FLEET_RELEASE_KEY_SIZE]);

#endif /* EVTAP_FLEET_RELEASE_H */
