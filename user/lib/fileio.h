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

#endif /* EVTAP_FILEIO_H */
