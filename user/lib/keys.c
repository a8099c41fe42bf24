// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The key dir. Every file is written whole under a temporary name, fsync'ed and renamed
 * (fileio_replace), so that a crash leaves either no key or a complete one, never a torn key
 * that would lock out a user's segments. Format: docs/STORE.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "codec.h"
#include "fileio.h"
#include "keys.h"

#define HOST_KEY_NAME  "host.key"
#define KEY_NAME_SIZE  32 /* "user-" decimal uint32 ".key", NUL */
#define WRAP_AD_PREFIX "evtap user key"
#define WRAP_AD_SIZE   (sizeof(WRAP_AD_PREFIX) - 1 + 4)
#define WRAPPED_SIZE                                                                               \
	(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + KEY_SIZE +                                 \
	 crypto_aead_xchacha20poly1305_ietf_ABYTES)

/* In sodium_malloc'ed memory: locked (never swapped out), guarded, wiped when freed. */
struct keyring {
	int dir_fd;
	uint8_t host[KEY_SIZE];
};

static void user_key_name(char name[KEY_NAME_SIZE], uint32_t uid)
{
	snprintf(name, KEY_NAME_SIZE, "user-%" PRIu32 ".key", uid);
}

/* A key file has exactly one size: anything else is damage, not a key. */
static int read_key_file(int dir_fd, const char *name, uint8_t *buf, size_t len)
{
	int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat sb;
	ssize_t n = -1;

	if (fd < 0)
		return -errno;
	if (!fstat(fd, &sb) && (uint64_t)sb.st_size == len)
		n = read(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -EBADMSG;
}

static int load_host_key(struct keyring *kr, bool create)
{
	int err = read_key_file(kr->dir_fd, HOST_KEY_NAME, kr->host, KEY_SIZE);

	if (err != -ENOENT || !create)
		return err;
	crypto_aead_xchacha20poly1305_ietf_keygen(kr->host);
	return fileio_replace(kr->dir_fd, HOST_KEY_NAME, kr->host, KEY_SIZE, 0600, FILEIO_SAME_GID);
}

static int open_key_dir(const char *key_dir, bool create, int *fd)
{
	if (create && mkdir(key_dir, 0700) && errno != EEXIST)
		return -errno;
	*fd = open(key_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}

int keyring_open(struct keyring **out, const char *key_dir, bool create)
{
	struct keyring *kr;
	int err;

	if (sodium_init() < 0)
		return -EIO;
	kr = sodium_malloc(sizeof(*kr));
	if (!kr)
		return -ENOMEM;
	kr->dir_fd = -1;
	err = open_key_dir(key_dir, create, &kr->dir_fd);
	if (!err)
		err = load_host_key(kr, create);
	if (err) {
		keyring_close(kr);
		return err;
	}
	*out = kr;
	return 0;
}

void keyring_close(struct keyring *kr)
{
	if (!kr)
		return;
	if (kr->dir_fd >= 0)
		close(kr->dir_fd);
	sodium_free(kr);
}

/* A wrapped key opens only as the key of the uid it was made for. */
static void wrap_ad(uint8_t ad[WRAP_AD_SIZE], uint32_t uid)
{
	memcpy(ad, WRAP_AD_PREFIX, sizeof(WRAP_AD_PREFIX) - 1);
	put_le32(ad + sizeof(WRAP_AD_PREFIX) - 1, uid);
}

static int unwrap(const struct keyring *kr, uint32_t uid, const uint8_t *wrapped,
		  uint8_t key[KEY_SIZE])
{
	const uint8_t *nonce = wrapped, *c = wrapped + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
	uint8_t ad[WRAP_AD_SIZE];

	wrap_ad(ad, uid);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		    key, NULL, NULL, c, WRAPPED_SIZE - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
		    ad, sizeof(ad), nonce, kr->host))
		return -EBADMSG;
	return 0;
}

static int create_user_key(struct keyring *kr, uint32_t uid, const char *name,
			   uint8_t key[KEY_SIZE])
{
	uint8_t wrapped[WRAPPED_SIZE], ad[WRAP_AD_SIZE];
	uint8_t *c = wrapped + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;

	crypto_aead_xchacha20poly1305_ietf_keygen(key);
	randombytes_buf(wrapped, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	wrap_ad(ad, uid);
	crypto_aead_xchacha20poly1305_ietf_encrypt(c, NULL, key, KEY_SIZE, ad, sizeof(ad), NULL,
						   wrapped, kr->host);
	return fileio_replace(kr->dir_fd, name, wrapped, sizeof(wrapped), 0600, FILEIO_SAME_GID);
}

int keyring_user_key(struct keyring *kr, uint32_t uid, bool create, uint8_t key[KEY_SIZE])
{
	uint8_t wrapped[WRAPPED_SIZE];
	char name[KEY_NAME_SIZE];
	int err;

	user_key_name(name, uid);
	err = read_key_file(kr->dir_fd, name, wrapped, sizeof(wrapped));
	if (!err)
		err = unwrap(kr, uid, wrapped, key);
	else if (err == -ENOENT && create)
		err = create_user_key(kr, uid, name, key);
	if (err)
		sodium_memzero(key, KEY_SIZE);
	return err;
}

/*
 * Overwrites the wrapped key with random bytes where it lies and fsyncs it, so that the blocks
 * the file held do not keep the key once its name is gone (on a file system that overwrites in
 * place: docs/STORE.md says what SSDs and copy-on-write file systems do instead).
 */
static int overwrite_key_file(int dir_fd, const char *name)
{
	int fd = openat(dir_fd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW), err;
	uint8_t noise[WRAPPED_SIZE];

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	randombytes_buf(noise, sizeof(noise));
	err = fileio_write_all(fd, noise, sizeof(noise));
	if (!err && fileio.fsync(fd))
		err = -errno;
	close(fd);
	return err;
}

/* The name goes even if the overwrite failed: a key that opens nothing is still the goal. */
int keyring_forget(struct keyring *kr, uint32_t uid)
{
	char name[KEY_NAME_SIZE];
	int err, unlink_err = 0;

	user_key_name(name, uid);
	err = overwrite_key_file(kr->dir_fd, name);
	if (fileio.unlinkat(kr->dir_fd, name, 0) && errno != ENOENT)
		unlink_err = -errno;
	else if (fileio.fsync(kr->dir_fd))
		unlink_err = -errno;
	return err ? err : unlink_err;
}

/* "EVTK", version 1, uid (LE), the key: what the custodian gets back when it opens the seal. */
int key_seal_for_custodian(uint8_t out[KEY_SEALED_SIZE], uint32_t uid, const uint8_t key[KEY_SIZE],
			   const uint8_t custodian_pk[KEY_CUSTODIAN_PK_SIZE])
{
	uint8_t plain[KEY_SEALED_PLAIN_SIZE];
	int err;

	memcpy(plain, KEY_SEALED_MAGIC, 4);
	plain[4] = KEY_SEALED_VERSION;
	put_le32(plain + 5, uid);
	memcpy(plain + 9, key, KEY_SIZE);
	err = crypto_box_seal(out, plain, sizeof(plain), custodian_pk) ? -EINVAL : 0;
	sodium_memzero(plain, sizeof(plain));
	return err;
}

int key_open_sealed(const uint8_t *in, size_t len, const uint8_t pk[KEY_CUSTODIAN_PK_SIZE],
		    const uint8_t sk[crypto_box_SECRETKEYBYTES], uint32_t *uid,
		    uint8_t key[KEY_SIZE])
{
	uint8_t plain[KEY_SEALED_PLAIN_SIZE];
	int err = 0;

	if (len != KEY_SEALED_SIZE || crypto_box_seal_open(plain, in, len, pk, sk))
		return -EBADMSG;
	if (memcmp(plain, KEY_SEALED_MAGIC, 4) || plain[4] != KEY_SEALED_VERSION) {
		err = -EBADMSG;
	} else {
		*uid = get_le32(plain + 5);
		memcpy(key, plain + 9, KEY_SIZE);
	}
	sodium_memzero(plain, sizeof(plain));
	return err;
}
