/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The fleet's secrets: keys made once and kept, NATS passwords and their bcrypt hashes. */
#ifndef EVTAP_FLEETCTL_SECRETS_H
#define EVTAP_FLEETCTL_SECRETS_H

#include <stddef.h>

/* A new password: 24 random bytes as 32 URL-safe base64 characters. */
#define SECRET_PASSWORD_LEN 32
void secret_password(char out[SECRET_PASSWORD_LEN + 1]);

/*
 * The bcrypt hash ($2b$, cost 10) that the server's config holds for user's password. Its
 * salt is derived from user and password, so that the same credentials always give the same
 * hash and the config file does not change on every run. Returns 0, or -1.
 */
int secret_bcrypt(const char *user, const char *password, char *out, size_t len);

/*
 * Makes the key files under dir unless they exist: pseudonym.key (32 random bytes, 0600),
 * custodian.pub (0644) and custodian.sec (0600), an X25519 key pair. Existing ones are kept,
 * after their size is checked. Prints what it did. Returns 0, or -1 with err set.
 */
int secret_keys(const char *dir, char *err, size_t errlen);

#endif /* EVTAP_FLEETCTL_SECRETS_H */
