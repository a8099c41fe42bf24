// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A person's data key, sealed to the custodian by evtapd (key.sealed beside the segments), is
 * published once before any of their blocks, so that the broker never holds a block without
 * its key and never the key unsealed. It is published again only if evtapd made a new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "clock.h"
#include "log.h"
#include "share.h"
#include "shipd.h"

#define KEY_RETRY_NS 1000000000LL /* after a failed publish of a key */

static void hash_hex(char out[33], const uint8_t *buf, size_t len)
{
	uint8_t h[16];

	crypto_generichash(h, sizeof(h), buf, len, NULL, 0);
	sodium_bin2hex(out, 33, h, sizeof(h));
}

static int read_sealed(int fd, uint8_t buf[KEY_SEALED_SIZE])
{
	struct stat sb;

	if (fstat(fd, &sb))
		return -errno;
	if (sb.st_size != KEY_SEALED_SIZE)
		return -EBADMSG;
	return pread(fd, buf, KEY_SEALED_SIZE, 0) == KEY_SEALED_SIZE ? 0 : -EIO;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* Reads key.sealed, which changed, and publishes it when it is not the one published. */
static bool check_key(struct shipd *sd, struct ship_user *u, const struct timespec *mtime)
{
	uint8_t sealed[KEY_SEALED_SIZE];
	char hash[33];
	int fd, err;

	fd = openat(u->dir_fd, SHARE_KEY_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	err = fd < 0 ? -errno : read_sealed(fd, sealed);
	if (fd >= 0)
		close(fd);
	if (err) {
		log_debug("%.8s: %s: %s", u->person, SHARE_KEY_NAME, strerror(-err));
		return false;
	}
	hash_hex(hash, sealed, sizeof(sealed));
	if (strcmp(hash, u->key_hash)) {
		if (publish_key(sd, u, sealed, sizeof(sealed))) {
			u->retry_at = clock_mono_ns() + KEY_RETRY_NS;
			return false;
		}
		memcpy(u->key_hash, hash, sizeof(hash));
		u->wm_dirty = true;
		sd->c.keys_published++;
	}
	u->key_mtime = *mtime;
	return true;
}

/* Until the key is out, the person's blocks wait; a key that changed goes out first. */
bool keyship_ready(struct shipd *sd, struct ship_user *u)
{
	struct stat sb;

	if (fstatat(u->dir_fd, SHARE_KEY_NAME, &sb, AT_SYMLINK_NOFOLLOW))
		return false; /* evtapd writes it with the user's directory */
	if (u->key_hash[0] && same_time(&sb.st_mtim, &u->key_mtime))
		return true;
	if (!publish_connected(sd) || clock_mono_ns() < u->retry_at)
		return false;
	return check_key(sd, u, &sb.st_mtim);
}
