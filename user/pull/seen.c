// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The dedupe and recovery log (pull.h), DIR/.seen, lines "B <block id>" and "S <partition>
 * <size>". The server's duplicate window is minutes and a machine may resend an old block
 * later (after a restore, or a watermark lost): the ids here are kept for as long as the
 * output, so such a block is written once whenever it comes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "pull.h"

#define SEEN_FILE ".seen"

struct size_entry {
	char path[sizeof(((struct partition *)0)->path)];
	long long size;
};

struct seen {
	FILE *log;
	char **slots; /* open addressing, NULL for empty */
	size_t cap, count;
	struct size_entry *sizes; /* read at open only */
	size_t nsizes;
};

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static char **find(const struct seen *s, const char *id)
{
	size_t i = hash(id) & (s->cap - 1);

	while (s->slots[i] && strcmp(s->slots[i], id))
		i = (i + 1) & (s->cap - 1);
	return &s->slots[i];
}

static int grow(struct seen *s)
{
	struct seen old = *s;

	s->cap = old.cap ? old.cap * 2 : 1024;
	s->slots = calloc(s->cap, sizeof(char *));
	if (!s->slots) {
		*s = old;
		return -ENOMEM;
	}
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i])
			*find(s, old.slots[i]) = old.slots[i];
	free(old.slots);
	return 0;
}

int seen_add(struct seen *s, const char *id)
{
	char **at;

	if ((s->count + 1) * 2 > s->cap && grow(s))
		return -ENOMEM;
	at = find(s, id);
	if (*at)
		return 0;
	*at = strdup(id);
	if (!*at)
		return -ENOMEM;
	s->count++;
	return 0;
}

int seen_has(const struct seen *s, const char *id)
{
	return s->cap && *find(s, id);
}

static int note_size(struct seen *s, const char *path, long long size)
{
	struct size_entry *grown;

	for (size_t i = 0; i < s->nsizes; i++)
		if (!strcmp(s->sizes[i].path, path)) {
			s->sizes[i].size = size;
			return 0;
		}
	grown = realloc(s->sizes, (s->nsizes + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	s->sizes = grown;
	snprintf(grown[s->nsizes].path, sizeof(grown->path), "%s", path);
	grown[s->nsizes++].size = size;
	return 0;
}

static int read_log(struct seen *s)
{
	char line[256], path[sizeof(s->sizes->path)];
	long long size;
	int err = 0;

	rewind(s->log);
	while (!err && fgets(line, sizeof(line), s->log)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "B ", 2))
			err = seen_add(s, line + 2);
		else if (sscanf(line, "S " PARTITION_PATH_SCANF " %lld", path, &size) == 2)
			err = note_size(s, path, size);
	}
	return err;
}

static long long size_of(const struct seen *s, const char *path)
{
	for (size_t i = 0; i < s->nsizes; i++)
		if (!strcmp(s->sizes[i].path, path))
			return s->sizes[i].size;
	return 0;
}

static int cut(int dfd, const char *name, long long size)
{
	int fd = openat(dfd, name, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size) || fsync(fd))
		err = -errno;
	close(fd);
	return err;
}

/* Cuts each file of one person's directory back to its last committed size. */
static int recover_person(struct seen *s, int out_fd, const char *person)
{
	char path[FLEET_PSEUDONYM_LEN + 2 + 256];
	struct dirent *de;
	struct stat sb;
	int dfd = openat(out_fd, person, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;

	if (!d)
		return dfd >= 0 ? (close(dfd), -errno) : 0;
	while (!err && (de = readdir(d))) {
		if (de->d_name[0] == '.' || fstatat(dfd, de->d_name, &sb, 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", person, de->d_name);
		if (sb.st_size > size_of(s, path))
			err = cut(dfd, de->d_name, size_of(s, path));
	}
	closedir(d);
	return err;
}

static int recover(struct seen *s, int out_fd)
{
	int dfd = dup(out_fd), err = 0;
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;

	if (!d)
		return -errno;
	while (!err && (de = readdir(d)))
		if (de->d_name[0] != '.' && de->d_type == DT_DIR)
			err = recover_person(s, out_fd, de->d_name);
	closedir(d);
	return err;
}

int seen_open(struct seen **out, int dir_fd)
{
	int fd = openat(dir_fd, SEEN_FILE, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	struct seen *s = calloc(1, sizeof(*s));
	int err;

	if (fd < 0 || !s || !(s->log = fdopen(fd, "a+"))) {
		err = fd < 0 ? -errno : -ENOMEM;
		if (fd >= 0)
			close(fd);
		free(s);
		return err;
	}
	err = grow(s);
	if (!err)
		err = read_log(s);
	if (!err)
		err = recover(s, dir_fd);
	free(s->sizes);
	s->sizes = NULL;
	if (err) {
		seen_close(s);
		return err;
	}
	*out = s;
	return 0;
}

void seen_close(struct seen *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->cap; i++)
		free(s->slots[i]);
	free(s->slots);
	if (s->log)
		fclose(s->log);
	free(s);
}

/* The sizes first: a block id is recorded only once the records it names are durable. */
int seen_commit(struct seen *s, struct pull *p, char *const *ids, int n)
{
	int err = partition_sync(p);
	struct stat sb;

	for (int i = 0; !err && i < p->nparts; i++) {
		if (fstat(fileno(p->parts[i].f), &sb))
			return -errno;
		fprintf(s->log, "S %s %lld\n", p->parts[i].path, (long long)sb.st_size);
	}
	for (int i = 0; !err && i < n; i++) {
		fprintf(s->log, "B %s\n", ids[i]);
	}
	if (!err && (fflush(s->log) || fsync(fileno(s->log))))
		err = -errno;
	return err;
}
