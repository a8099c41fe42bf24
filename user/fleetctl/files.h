/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * evtap-fleet's files: written only when their content changes (so that a second run leaves
 * every file byte-identical, with its time too), atomically, with the mode they must have.
 */
#ifndef EVTAP_FLEETCTL_FILES_H
#define EVTAP_FLEETCTL_FILES_H

#include <stddef.h>
#include <sys/types.h>

enum file_result { FILE_CREATED, FILE_UPDATED, FILE_UNCHANGED, FILE_KEPT };

/* "created", "updated", "unchanged", "kept". */
const char *file_result_name(enum file_result r);

/*
 * Writes path with data unless it already holds exactly that (and has mode); the file is
 * replaced through a temporary in the same directory. Returns a result, or -errno.
 */
int file_put(const char *path, const void *data, size_t len, mode_t mode);

/*
 * Reads the whole of path (at most max bytes) into a new NUL-terminated buffer. Returns its
 * length, or -errno (-EFBIG when longer than max).
 */
ssize_t file_get(const char *path, char **data, size_t max);

/* mkdir -p of one level: dir may exist already, with mode. Returns 0 or -errno. */
int file_mkdir(const char *dir, mode_t mode);

#endif /* EVTAP_FLEETCTL_FILES_H */
