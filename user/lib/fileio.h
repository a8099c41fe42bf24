/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The store's writes, fsyncs and truncations go through this table, so that tests can inject
 * the failures that disks produce (ENOSPC, EIO, short writes), as SQLite's test VFS does.
 * Only tests replace its members.
 */
#ifndef EVTAP_FILEIO_H
#define EVTAP_FILEIO_H

#include <sys/types.h>

struct fileio {
	ssize_t (*write)(int fd, const void *buf, size_t len);
	int (*fsync)(int fd);
	int (*ftruncate)(int fd, off_t len);
};

extern struct fileio fileio;

/* For fileio_replace: leave the file's group as the creator's. */
#define FILEIO_SAME_GID ((gid_t)-1)

/*
 * Replaces name in dir_fd with buf, durably: written whole under NAME.new with mode and gid,
 * fsync'ed, renamed over name, and the directory fsync'ed. A crash leaves the old file or the
 * new one, never a torn one. Returns 0 or a negative errno (the temporary file is removed).
 */
int fileio_replace(int dir_fd, const char *name, const void *buf, size_t len, mode_t mode,
		   gid_t gid);

#endif /* EVTAP_FILEIO_H */
