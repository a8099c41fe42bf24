// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The store's file I/O: the system calls themselves, unless a test replaced them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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
