// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Watermarks: <uid>.wm in the state dir, one line "evtap-ship 1 <seq> <offset> <key hash>",
 * replaced whole and fsync'ed (fileio_replace) after the acknowledgements it covers, so that a
 * crash resumes from a position the stream holds everything before.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "fileio.h"
#include "log.h"
#include "shipd.h"

#define WM_MAGIC "evtap-ship 1"
#define WM_MAX	 128

static void wm_name(char name[24], uint32_t uid)
{
	snprintf(name, 24, "%" PRIu32 ".wm", uid);
}

static int parse(struct ship_user *u, const char *text)
{
	char hash[40];
	uint64_t seq, off;

	if (sscanf(text, WM_MAGIC " %" SCNu64 " %" SCNu64 " %39s", &seq, &off, hash) != 3 ||
	    off < SEG_HEADER_SIZE || (strcmp(hash, "-") && strlen(hash) != 32))
		return -EBADMSG;
	u->wm = (struct ship_pos){ seq, off };
	snprintf(u->key_hash, sizeof(u->key_hash), "%s", strcmp(hash, "-") ? hash : "");
	return 0;
}

/* No file: a user never shipped, from their first segment. A damaged one is an error. */
int watermark_load(struct shipd *sd, struct ship_user *u)
{
	char name[24], text[WM_MAX + 1];
	ssize_t n;
	int fd;

	wm_name(name, u->uid);
	u->wm = (struct ship_pos){ 0, SEG_HEADER_SIZE };
	u->key_hash[0] = '\0';
	fd = openat(sd->state_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		u->fresh = errno == ENOENT;
		return u->fresh ? 0 : -errno;
	}
	n = read(fd, text, WM_MAX);
	close(fd);
	if (n < 0)
		return -errno;
	text[n] = '\0';
	return parse(u, text);
}

int watermark_save(struct shipd *sd, struct ship_user *u)
{
	char name[24], text[WM_MAX];
	int n, err;

	wm_name(name, u->uid);
	n = snprintf(text, sizeof(text), WM_MAGIC " %" PRIu64 " %" PRIu64 " %s\n", u->wm.seq,
		     u->wm.off, u->key_hash[0] ? u->key_hash : "-");
	err = fileio_replace(sd->state_fd, name, text, (size_t)n, 0600, FILEIO_SAME_GID);
	if (err)
		log_err("%.8s: cannot write the watermark: %s", u->person, strerror(-err));
	else
		u->fresh = false;
	return err;
}
