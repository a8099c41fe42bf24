/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The store's, the key dir's and the consent file's writes, fsyncs, truncations, renames and
 * (key files) unlinks go through this table, so that tests can inject the failures that disks
 * produce (ENOSPC, EIO, short writes), as SQLite's test VFS does, and check that what must be
 * durable was fsync'ed. Only tests replace its members.
 */
#ifndef EVTAP_FILEIO_H
#define EVTAP_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

struct fileio {
	ssize_t (*write)(int fd, const void *buf, size_t len);
	int (*fsync)(int fd);
	int (*ftruncate)(int fd, off_t len);
	int (*renameat)(int old_dir_fd, const char *old_path, int new_dir_fd, const char *new_path);
	int (*unlinkat)(int dir_fd, const char *path, int flags);
};

extern struct fileio fileio;

/* Writes all of buf through fileio.write, retrying short writes. Returns 0 or a negative errno. */
int fileio_write_all(int fd, const void *buf, size_t len);

#endif /* EVTAP_FILEIO_H */
