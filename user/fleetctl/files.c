// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Files that change only when their content does. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "files.h"

const char *file_result_name(enum file_result r)
{
	static const char *const names[] = { "created", "updated", "unchanged", "kept" };

	return names[r];
}

ssize_t file_get(const char *path, char **data, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;
	ssize_t n;

	if (fd < 0)
		return -errno;
	buf = malloc(max + 2);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, buf, max + 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n > (ssize_t)max)
		n = -EFBIG;
	if (n < 0) {
		free(buf);
		return n;
	}
	buf[n] = '\0';
	*data = buf;
	return n;
}

static int same(const char *path, const void *data, size_t len, mode_t mode)
{
	struct stat st;
	char *old;
	ssize_t n;
	int eq;

	if (stat(path, &st) || (st.st_mode & 07777) != mode || (size_t)st.st_size != len)
		return 0;
	n = file_get(path, &old, len);
	if (n < 0)
		return 0;
	eq = (size_t)n == len && !memcmp(old, data, len);
	free(old);
	return eq;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		data += n;
		len -= n;
	}
	return 0;
}

int file_put(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[4096];
	int existed = access(path, F_OK) == 0, fd, ret;

	if (same(path, data, len, mode))
		return FILE_UNCHANGED;
	if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	ret = write_all(fd, data, len);
	if (!ret && (fchmod(fd, mode) || fsync(fd)))
		ret = -errno;
	close(fd);
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		unlink(tmp);
		return ret;
	}
	return existed ? FILE_UPDATED : FILE_CREATED;
}

int file_mkdir(const char *dir, mode_t mode)
{
	struct stat st;

	if (mkdir(dir, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return 0;
}
