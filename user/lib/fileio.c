// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The store's file I/O: the system calls themselves, unless a test replaced them. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fileio.h"

struct fileio fileio = {
	.write = write,
	.fsync = fsync,
	.ftruncate = ftruncate,
	.renameat = renameat,
	.unlinkat = unlinkat,
};

int fileio_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = fileio.write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The mode is set explicitly: a umask must not decide who may read a key or a watermark. */
static int set_owner(int fd, mode_t mode, gid_t gid)
{
	if (gid != FILEIO_SAME_GID && fchown(fd, (uid_t)-1, gid))
		return -errno;
	return fchmod(fd, mode) ? -errno : 0;
}

static int replace(int dir_fd, const char *name, const void *buf, size_t len, mode_t mode,
		   gid_t gid, bool durable)
{
	char tmp[NAME_MAX + 1];
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.new", name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	err = set_owner(fd, mode, gid);
	if (!err)
		err = fileio_write_all(fd, buf, len);
	if (!err && durable && fileio.fsync(fd))
		err = -errno;
	close(fd);
	if (!err && fileio.renameat(dir_fd, tmp, dir_fd, name))
		err = -errno;
	if (!err && durable && fileio.fsync(dir_fd))
		err = -errno;
	if (err)
		fileio.unlinkat(dir_fd, tmp, 0);
	return err;
}

int fileio_replace(int dir_fd, const char *name, const void *buf, size_t len, mode_t mode,
		   gid_t gid)
{
	return replace(dir_fd, name, buf, len, mode, gid, true);
}

int fileio_replace_volatile(int dir_fd, const char *name, const void *buf, size_t len, mode_t mode,
			    gid_t gid)
{
	return replace(dir_fd, name, buf, len, mode, gid, false);
}
