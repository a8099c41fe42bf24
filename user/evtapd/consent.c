// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "clock.h"
#include "consent.h"
#include "fileio.h"
#include "names.h"

struct consent {
	char *path;
	struct consent_user *users;
	size_t count;
	size_t cap;
};

struct parse_ctx {
	struct consent *c;
	int64_t file_mtime; /* the date of entries written before choices were dated */
	char *err;
	size_t errlen;
};

static struct consent_user *find(const struct consent *c, uint32_t uid)
{
	for (size_t i = 0; i < c->count; i++)
		if (c->users[i].uid == uid)
			return &c->users[i];
	return NULL;
}

const struct consent_user *consent_get(const struct consent *c, uint32_t uid)
{
	return find(c, uid);
}

int consent_set(struct consent *c, const struct consent_user *u)
{
	struct consent_user *slot = find(c, u->uid);

	if (!slot) {
		if (c->count == c->cap) {
			size_t cap = c->cap ? 2 * c->cap : 16;
			void *p = realloc(c->users, cap * sizeof(*c->users));
			if (!p)
				return -ENOMEM;
			c->users = p;
			c->cap = cap;
		}
		slot = &c->users[c->count++];
	}
	*slot = *u;
	return 0;
}

void consent_remove(struct consent *c, uint32_t uid)
{
	struct consent_user *slot = find(c, uid);

	if (slot)
		*slot = c->users[--c->count];
}

static int parse_uid(const char *s, uint32_t *uid)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v >= EVTAP_UID_NONE)
		return -EINVAL;
	*uid = (uint32_t)v;
	return 0;
}

/* Nanoseconds, exactly: the conflict rule compares them with the fleet's. */
static int parse_ns(const char *s, int64_t *ns)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v <= 0)
		return -EINVAL;
	*ns = v;
	return 0;
}

static int parse_field(struct consent_user *u, const char *name, const char *value)
{
	if (!strcmp(name, "opted_out")) {
		if (strcmp(value, "yes") && strcmp(value, "no"))
			return -EINVAL;
		u->opted_out = !strcmp(value, "yes");
	} else if (!strcmp(name, "level")) {
		u->level = evtap_level_parse(value);
		if (u->level < 0)
			return -EINVAL;
	} else if (!strcmp(name, "paused_until")) {
		if (clock_parse_time(value, &u->paused_until_wall))
			return -EINVAL;
	} else if (!strcmp(name, "changed_ns")) {
		return parse_ns(value, &u->changed_wall);
	} else if (!strcmp(name, "excluded_purposes")) {
		if (!purposes_list_ok(value))
			return -EINVAL;
		snprintf(u->excluded, sizeof(u->excluded), "%s", value);
	} else if (!strcmp(name, "source")) {
		if (strcmp(value, "local") && strcmp(value, "fleet"))
			return -EINVAL;
		u->from_fleet = !strcmp(value, "fleet");
	} else {
		return -ENOENT;
	}
	return 0;
}

static int on_ini_line(void *data, const char *section, const char *name, const char *value)
{
	struct parse_ctx *ctx = data;
	struct consent_user fresh = { .level = EVTAP_LEVEL_FULL, .changed_wall = ctx->file_mtime };
	struct consent_user *u;
	int err;

	if (parse_uid(section, &fresh.uid)) {
		snprintf(ctx->err, ctx->errlen, "section [%s]: expected a numeric uid", section);
		return 0;
	}
	u = find(ctx->c, fresh.uid);
	if (!u) {
		if (consent_set(ctx->c, &fresh)) {
			snprintf(ctx->err, ctx->errlen, "out of memory");
			return 0;
		}
		u = find(ctx->c, fresh.uid);
	}
	err = parse_field(u, name, value);
	if (err == -ENOENT)
		snprintf(ctx->err, ctx->errlen,
			 "unknown key '%s' (expected opted_out, level, paused_until, changed_ns, "
			 "excluded_purposes or source)",
			 name);
	else if (err)
		snprintf(ctx->err, ctx->errlen,
			 "key '%s': bad value '%s' (opted_out: yes|no; level: "
			 "off|counts|classes|full; "
			 "paused_until: RFC 3339 time; changed_ns: ns since the epoch; "
			 "excluded_purposes: comma-separated names; "
			 "source: local|fleet)",
			 name, value);
	return !err;
}

int consent_load(struct consent **out, const char *path, char *err, size_t errlen)
{
	struct consent *c = calloc(1, sizeof(*c));
	char msg[256] = "";
	struct parse_ctx ctx = { .c = c, .err = msg, .errlen = sizeof(msg) };
	struct stat st;
	int line;

	if (!c || !(c->path = strdup(path))) {
		free(c);
		return -ENOMEM;
	}
	if (!stat(path, &st))
		ctx.file_mtime = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	line = ini_parse(path, on_ini_line, &ctx);
	if (line == -1 && errno == ENOENT)
		line = 0;
	if (line) {
		if (line > 0)
			snprintf(err, errlen, "%s:%d: %s", path, line,
				 msg[0] ? msg : "syntax error");
		else
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		consent_free(c);
		return -EINVAL;
	}
	*out = c;
	return 0;
}

void consent_free(struct consent *c)
{
	if (!c)
		return;
	free(c->users);
	free(c->path);
	free(c);
}

static void write_user(FILE *f, const struct consent_user *u)
{
	char when[40];

	fprintf(f, "[%u]\nopted_out = %s\nlevel = %s\n", u->uid, u->opted_out ? "yes" : "no",
		evtap_level_name(u->level));
	if (u->paused_until_wall) {
		clock_format_rfc3339(u->paused_until_wall, when, sizeof(when));
		fprintf(f, "paused_until = %s\n", when);
	}
	if (u->changed_wall)
		fprintf(f, "changed_ns = %lld\n", (long long)u->changed_wall);
	if (u->excluded[0])
		fprintf(f, "excluded_purposes = %s\n", u->excluded);
	fprintf(f, "source = %s\n", u->from_fleet ? "fleet" : "local");
}

/* The whole file, formatted in memory, so that it is written by fileio calls alone. */
static int format_table(const struct consent *c, char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);

	if (!f)
		return -ENOMEM;
	fprintf(f, "# evtap consent, written by evtapd: change it with the evtap command.\n");
	for (size_t i = 0; i < c->count; i++)
		write_user(f, &c->users[i]);
	if (fclose(f)) {
		free(*buf);
		return -ENOMEM;
	}
	return 0;
}

/* A rename is durable only once the directory that holds the name is fsync'ed. */
static int sync_parent_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd, err = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fileio.fsync(fd))
		err = -errno;
	close(fd);
	return err;
}

static int write_file(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), err;

	if (fd < 0)
		return -errno;
	err = fileio_write_all(fd, buf, len);
	if (!err && fileio.fsync(fd))
		err = -errno;
	close(fd);
	return err;
}

int consent_save(const struct consent *c)
{
	char tmp[PATH_MAX], *buf;
	size_t len;
	int err;

	err = format_table(c, &buf, &len);
	if (err)
		return err;
	snprintf(tmp, sizeof(tmp), "%s.tmp", c->path);
	err = write_file(tmp, buf, len);
	free(buf);
	if (!err && fileio.renameat(AT_FDCWD, tmp, AT_FDCWD, c->path))
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	return sync_parent_dir(c->path);
}

void consent_to_kernel(const struct consent_user *u, struct evtap_consent *k)
{
	memset(k, 0, sizeof(*k));
	k->level = (__u8)u->level;
	k->opted_out = !!u->opted_out;
	k->paused_until = u->paused_until_wall ? clock_wall_to_mono(u->paused_until_wall) : 0;
}

int consent_fleet_wins(const struct consent_user *mine, const struct consent_user *fleet)
{
	if (!mine || fleet->changed_wall > mine->changed_wall)
		return 1;
	return fleet->changed_wall == mine->changed_wall && fleet->opted_out && !mine->opted_out;
}

void consent_foreach(const struct consent *c, void (*fn)(void *ctx, const struct consent_user *u),
		     void *ctx)
{
	for (size_t i = 0; i < c->count; i++)
		fn(ctx, &c->users[i]);
}
