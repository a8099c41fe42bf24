// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The store's files, shared with the ship group; the user's key, sealed to the custodian. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fileio.h"
#include "segment.h"
#include "share.h"

int share_fd(int fd, const struct store_share *sh, bool dir)
{
	if (fchown(fd, (uid_t)-1, sh->gid))
		return -errno;
	return fchmod(fd, dir ? SHARE_DIR_MODE : SHARE_FILE_MODE) ? -errno : 0;
}

int share_segments(int dir_fd, const struct store_share *sh)
{
	char name[SEG_NAME_SIZE];
	uint64_t *seqs;
	size_t count;
	int err = seg_list(dir_fd, &seqs, &count);

	for (size_t i = 0; i < count && !err; i++) {
		seg_name(name, seqs[i]);
		if (fchownat(dir_fd, name, (uid_t)-1, sh->gid, AT_SYMLINK_NOFOLLOW) ||
		    fchmodat(dir_fd, name, SHARE_FILE_MODE, 0))
			err = errno == ENOENT ? 0 : -errno; /* retention may race: gone is fine */
	}
	free(seqs);
	return err;
}

int share_key(int dir_fd, uint32_t uid, const uint8_t key[KEY_SIZE], const struct store_share *sh,
	      bool replace)
{
	uint8_t sealed[KEY_SEALED_SIZE];
	int err;

	if (!replace && !faccessat(dir_fd, SHARE_KEY_NAME, F_OK, AT_SYMLINK_NOFOLLOW))
		return 0;
	err = key_seal_for_custodian(sealed, uid, key, sh->custodian_pk);
	if (!err)
		err = fileio_replace(dir_fd, SHARE_KEY_NAME, sealed, sizeof(sealed),
				     SHARE_FILE_MODE, sh->gid);
	return err;
}

int share_durable_write(int dir_fd, uint64_t seq, uint64_t off, const struct store_share *sh)
{
	char text[48];
	int len = snprintf(text, sizeof(text), "%" PRIu64 " %" PRIu64 "\n", seq, off);

	return fileio_replace_volatile(dir_fd, SHARE_DURABLE_NAME, text, (size_t)len,
				       SHARE_FILE_MODE, sh->gid);
}

int share_durable_read(int dir_fd, uint64_t *seq, uint64_t *off)
{
	int fd = openat(dir_fd, SHARE_DURABLE_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char text[48], end;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -EBADMSG;
	text[n] = '\0';
	return sscanf(text, "%" SCNu64 " %" SCNu64 "%c", seq, off, &end) == 3 && end == '\n'
		       ? 0
		       : -EBADMSG;
}
