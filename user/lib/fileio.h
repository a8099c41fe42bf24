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

/* For fileio_replace: leave the file's group as the creator's. */
#define FILEIO_SAME_GID ((gid_t)-1)

/*
 * Replaces name in dir_fd with buf, durably: written whole under NAME.new with mode and gid,
 * fsync'ed, renamed over name, and the directory fsync'ed. A crash leaves the old file or the
 * new one, never a torn one. Returns 0 or a negative errno (the temporary file is removed).
 */
int fileio_replace(int dir_fd, const char *name, const void *buf, size_t len, mode_t mode,
		   gid_t gid);

/*
 * The same without either fsync, for a file that says something that is already durable
 * elsewhere: readers see the old file or the new one, never a torn one, but after a crash it
 * may hold an older content, or none. Returns 0 or a negative errno.
 */
int fileio_replace_volatile(int dir_fd, const char *name, const void *buf, size_t len, mode_t mode,
			    gid_t gid);

#endif /* EVTAP_FILEIO_H */
