// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include "evtap.h"
#include "log.h"
#include "session.h"
#include "session_logind.h"

enum session_kind { SRC_STATIC, SRC_FILE, SRC_TTY, SRC_LOGIND };

struct session_source {
	enum session_kind kind;
	int fd;
	uint32_t static_uid;
	char path[PATH_MAX];
	struct logind_watch *logind;
	session_fn fn;
	void *ctx;
};

static void report(struct session_source *src, uint32_t uid, int locked)
{
	struct session_state st = { .seat = "seat0", .uid = uid, .locked = locked };

	src->fn(src->ctx, &st);
}

/* The file holds "UID", "UID locked" or nothing; anything else means no session. */
static void read_session_file(struct session_source *src)
{
	char buf[64] = "", word[16] = "";
	unsigned long uid;
	int n = 0;
	FILE *f = fopen(src->path, "re");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	int fields = sscanf(buf, "%lu %15s %n", &uid, word, &n);
	if (fields == 1 && uid < EVTAP_UID_NONE)
		report(src, (uint32_t)uid, 0);
	else if (fields == 2 && !strcmp(word, "locked") && uid < EVTAP_UID_NONE)
		report(src, (uint32_t)uid, 1);
	else {
		if (buf[strspn(buf, " \t\n")])
			log_warn("%s: expected \"UID\" or \"UID locked\": no session", src->path);
		report(src, EVTAP_UID_NONE, 0);
	}
}

/* The owner of the foreground VT; a VT owned by root is at a login prompt: no session. */
static void read_active_tty(struct session_source *src)
{
	char name[32] = "", dev[64];
	struct stat st;
	ssize_t n;

	n = pread(src->fd, name, sizeof(name) - 1, 0);
	if (n > 0)
		name[strcspn(name, "\n")] = '\0';
	snprintf(dev, sizeof(dev), "/dev/%s", name);
	if (n <= 0 || stat(dev, &st) || st.st_uid == 0)
		report(src, EVTAP_UID_NONE, 0);
	else
		report(src, st.st_uid, 0);
}

static int open_file_source(struct session_source *src, const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX];

	snprintf(src->path, sizeof(src->path), "%s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	src->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	/* Watch the directory: editors and atomic writers replace the file. */
	if (src->fd < 0 || inotify_add_watch(src->fd, dirname(dir),
					     IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE |
						     IN_MOVED_FROM | IN_CREATE) < 0) {
		snprintf(err, errlen, "file:%s: cannot watch its directory: %s", path,
			 strerror(errno));
		return -EINVAL;
	}
	read_session_file(src);
	return 0;
}

static int open_tty_source(struct session_source *src, char *err, size_t errlen)
{
	src->fd = open("/sys/class/tty/tty0/active", O_RDONLY | O_CLOEXEC);
	if (src->fd < 0) {
		snprintf(err, errlen, "tty: /sys/class/tty/tty0/active: %s", strerror(errno));
		return -EINVAL;
	}
	read_active_tty(src);
	return 0;
}

static int open_static_source(struct session_source *src, const char *arg, char *err, size_t errlen)
{
	char *end;
	unsigned long uid;

	errno = 0;
	uid = strtoul(arg, &end, 10);
	if (!*arg || *end || errno || uid >= EVTAP_UID_NONE) {
		snprintf(err, errlen, "static:%s: expected a numeric uid", arg);
		return -EINVAL;
	}
	src->static_uid = (uint32_t)uid;
	report(src, src->static_uid, 0);
	return 0;
}

static int open_source(struct session_source *src, const char *spec, char *err, size_t errlen)
{
	if (!strncmp(spec, "static:", 7)) {
		src->kind = SRC_STATIC;
		return open_static_source(src, spec + 7, err, errlen);
	}
	if (!strncmp(spec, "file:", 5) && spec[5]) {
		src->kind = SRC_FILE;
		return open_file_source(src, spec + 5, err, errlen);
	}
	if (!strcmp(spec, "tty")) {
		src->kind = SRC_TTY;
		return open_tty_source(src, err, errlen);
	}
	if (!strcmp(spec, "logind")) {
		src->kind = SRC_LOGIND;
		return logind_watch_open(&src->logind, src->fn, src->ctx, err, errlen);
	}
	snprintf(err, errlen,
		 "unknown session source '%s' (expected logind, tty, file:PATH or "
		 "static:UID)",
		 spec);
	return -EINVAL;
}

int session_open(struct session_source **out, const char *spec, session_fn fn, void *ctx, char *err,
		 size_t errlen)
{
	struct session_source *src = calloc(1, sizeof(*src));
	int ret;

	if (!src)
		return -ENOMEM;
	src->fd = -1;
	src->fn = fn;
	src->ctx = ctx;
	ret = open_source(src, spec, err, errlen);
	if (ret) {
		session_close(src);
		return ret;
	}
	*out = src;
	return 0;
}

void session_close(struct session_source *src)
{
	if (!src)
		return;
	if (src->fd >= 0)
		close(src->fd);
	logind_watch_close(src->logind);
	free(src);
}

int session_fd(const struct session_source *src)
{
	return src->kind == SRC_LOGIND ? logind_watch_fd(src->logind) : src->fd;
}

unsigned int session_poll_events(const struct session_source *src)
{
	return src->kind == SRC_TTY ? EPOLLPRI : EPOLLIN;
}

void session_dispatch(struct session_source *src)
{
	char buf[4096];

	switch (src->kind) {
	case SRC_FILE:
		while (read(src->fd, buf, sizeof(buf)) > 0)
			;
		read_session_file(src);
		break;
	case SRC_TTY:
		read_active_tty(src);
		break;
	case SRC_LOGIND:
		logind_watch_dispatch(src->logind);
		break;
	case SRC_STATIC:
		break;
	}
}

const char *session_default_spec(void)
{
	return access("/run/systemd/seats", F_OK) == 0 ? "logind" : "tty";
}
