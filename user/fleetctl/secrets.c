// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Keys, passwords and hashes. */
#include <crypt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "fleet_pseudonym.h"
#include "files.h"
#include "report.h"
#include "secrets.h"

#define BCRYPT_COST 10

void secret_password(char out[SECRET_PASSWORD_LEN + 1])
{
	unsigned char raw[24];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, SECRET_PASSWORD_LEN + 1, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

int secret_bcrypt(const char *user, const char *password, char *out, size_t len)
{
	static const char label[] = "evtap-fleet bcrypt salt";
	unsigned char salt[16];
	crypto_generichash_state st;
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data data;
	const char *hash;
	int ret = -1;

	crypto_generichash_init(&st, NULL, 0, sizeof(salt));
	crypto_generichash_update(&st, (const unsigned char *)label, sizeof(label));
	crypto_generichash_update(&st, (const unsigned char *)user, strlen(user) + 1);
	crypto_generichash_update(&st, (const unsigned char *)password, strlen(password));
	crypto_generichash_final(&st, salt, sizeof(salt));
	memset(&data, 0, sizeof(data));
	if (crypt_gensalt_rn("$2b$", BCRYPT_COST, (const char *)salt, sizeof(salt), setting,
			     sizeof(setting))) {
		hash = crypt_rn(password, setting, &data, sizeof(data));
		if (hash && hash[0] == '$' && strlen(hash) < len) {
			strcpy(out, hash);
			ret = 0;
		}
	}
	sodium_memzero(&data, sizeof(data));
	return ret;
}

/* Reads an existing key file; 1 when absent, 0 when read, -1 (err set) when wrong. */
static int existing(const char *path, unsigned char key[FLEET_KEY_LEN], char *err, size_t errlen)
{
	if (access(path, F_OK))
		return 1;
	return fleet_read_key(path, key, err, errlen) ? -1 : 0;
}

static int put_key(const char *path, const unsigned char *key, mode_t mode, const char *where,
		   char *err, size_t errlen)
{
	int r = file_put(path, key, FLEET_KEY_LEN, mode);

	if (r < 0) {
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(-r));
		return -1;
	}
	report_file(path, r, mode, where);
	return 0;
}

static int pseudonym_key(const char *dir, char *err, size_t errlen)
{
	unsigned char key[FLEET_KEY_LEN];
	char path[4096];
	int r;

	snprintf(path, sizeof(path), "%s/pseudonym.key", dir);
	r = existing(path, key, err, errlen);
	if (r == 0)
		report_file(path, FILE_KEPT, 0600, REPORT_PSEUDONYM_KEY);
	if (r == 1) {
		randombytes_buf(key, sizeof(key));
		r = put_key(path, key, 0600, REPORT_PSEUDONYM_KEY, err, errlen);
	}
	sodium_memzero(key, sizeof(key));
	return r;
}

/* The pair is made together or kept together: half a pair is an error, never replaced. */
static int custodian_keys(const char *dir, char *err, size_t errlen)
{
	unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES], derived[32];
	char pub[4096], sec[4096];
	int rp, rs, ret = -1;

	snprintf(pub, sizeof(pub), "%s/custodian.pub", dir);
	snprintf(sec, sizeof(sec), "%s/custodian.sec", dir);
	rp = existing(pub, pk, err, errlen);
	rs = rp < 0 ? -1 : existing(sec, sk, err, errlen);
	if (rp == 1 && rs == 1) {
		crypto_box_keypair(pk, sk);
		ret = put_key(sec, sk, 0600, REPORT_CUSTODIAN_SEC, err, errlen) ||
				      put_key(pub, pk, 0644, REPORT_CUSTODIAN_PUB, err, errlen)
			      ? -1
			      : 0;
	} else if (rp == 0 && rs == 0) {
		crypto_scalarmult_base(derived, sk);
		if (memcmp(derived, pk, sizeof(pk))) {
			snprintf(err, errlen, "%s does not belong to %s: restore the pair", pub,
				 sec);
		} else {
			report_file(sec, FILE_KEPT, 0600, REPORT_CUSTODIAN_SEC);
			report_file(pub, FILE_KEPT, 0644, REPORT_CUSTODIAN_PUB);
			ret = 0;
		}
	} else if (rp >= 0 && rs >= 0) {
		snprintf(err, errlen,
			 "%s without %s: restore the missing half, or remove both to "
			 "make a new pair (the old keys' data is then unreadable)",
			 rp ? sec : pub, rp ? pub : sec);
	}
	sodium_memzero(sk, sizeof(sk));
	return ret;
}

int secret_keys(const char *dir, char *err, size_t errlen)
{
	if (pseudonym_key(dir, err, errlen))
		return -1;
	return custodian_keys(dir, err, errlen);
}
