// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The fleet outbox (outbox.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "fileio.h"
#include "names.h"
#include "outbox.h"

#define OUTBOX_MODE 0770
#define RECORD_MODE 0640

int outbox_open(const char *data_dir, gid_t ship_gid)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", data_dir, OUTBOX_DIR);
	if (mkdir(path, OUTBOX_MODE) && errno != EEXIST)
		return -errno;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/*
	 * Again each start: a directory made before fleet mode, or by hand, is set right. The owner
	 * stays evtapd's user: after the privilege drop it could not give the directory to root.
	 */
	if (fchown(fd, (uid_t)-1, ship_gid) || fchmod(fd, OUTBOX_MODE)) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* NAME: <ns>-<uid>.<kind>; the ns first, zero-padded, so that names sort by time. */
static int write_record(int dir_fd, gid_t gid, const char *kind, uint32_t uid, int64_t when,
			const char *json)
{
	char name[64];

	snprintf(name, sizeof(name), "%019" PRId64 "-%u.%s", when, uid, kind);
	return fileio_replace(dir_fd, name, json, strlen(json), RECORD_MODE, gid);
}

int outbox_consent(int dir_fd, gid_t ship_gid, const struct consent_user *u)
{
	char json[256 + PURPOSES_TEXT];

	/* The purposes are names of a-z, 0-9 and '-' (purposes_list_ok): nothing to escape. */
	snprintf(json, sizeof(json),
		 "{\"kind\":\"consent\",\"uid\":%u,\"opted_out\":%s,\"level\":\"%s\","
		 "\"paused_until\":%" PRId64 ",\"changed\":%" PRId64
		 ",\"excluded_purposes\":\"%s\"}\n",
		 u->uid, u->opted_out ? "true" : "false", evtap_level_name(u->level),
		 u->paused_until_wall, u->changed_wall, u->excluded);
	return write_record(dir_fd, ship_gid, "consent", u->uid, u->changed_wall, json);
}

int outbox_forget(int dir_fd, gid_t ship_gid, uint32_t uid, int64_t when_wall)
{
	char json[128];

	snprintf(json, sizeof(json), "{\"kind\":\"forget\",\"uid\":%u,\"changed\":%" PRId64 "}\n",
		 uid, when_wall);
	return write_record(dir_fd, ship_gid, "forget", uid, when_wall, json);
}
