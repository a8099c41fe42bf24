// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The output: DIR/<person pseudonym>/<YYYY-MM-DD>.jsonl (UTC day of each record's time), one
 * directory per person so that a forget removes exactly theirs. Files are opened for append
 * and kept open, at most PULL_MAX_FILES at once (the oldest is synced and closed first).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "pull.h"

static int sync_one(struct partition *pt)
{
	if (!pt->dirty)
		return 0;
	if (fflush(pt->f) || fsync(fileno(pt->f)))
		return -errno;
	pt->dirty = 0;
	return 0;
}

static void close_one(struct pull *p, int i)
{
	fclose(p->parts[i].f);
	memmove(&p->parts[i], &p->parts[i + 1], (size_t)(p->nparts - i - 1) * sizeof(p->parts[0]));
	p->nparts--;
}

/* A new file's name must be durable in its directory before its block is acknowledged. */
static FILE *open_new(struct pull *p, const char *person, const char *path)
{
	int fd, dfd;
	FILE *f;

	if (mkdirat(p->out_fd, person, 0700) && errno != EEXIST)
		return NULL;
	fd = openat(p->out_fd, path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	dfd = openat(p->out_fd, person, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) || fsync(p->out_fd)) {
		if (dfd >= 0)
			close(dfd);
		close(fd);
		return NULL;
	}
	close(dfd);
	f = fdopen(fd, "a");
	if (!f) {
		close(fd);
		return NULL;
	}
	/* Large writes: a batch is many records, and it is synced as a whole anyway. */
	setvbuf(f, NULL, _IOFBF, 1 << 18);
	return f;
}

FILE *partition_file(struct pull *p, const char *person, int64_t ts_ns)
{
	time_t t = (time_t)(ts_ns / 1000000000);
	char path[sizeof(p->parts[0].path)];
	struct partition *pt;
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(path, sizeof(path), "%s/%04d-%02d-%02d.jsonl", person, tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday);
	for (int i = 0; i < p->nparts; i++)
		if (!strcmp(p->parts[i].path, path)) {
			p->parts[i].dirty = 1;
			return p->parts[i].f;
		}
	if (p->nparts == PULL_MAX_FILES) {
		if (sync_one(&p->parts[0]))
			return NULL;
		close_one(p, 0);
	}
	pt = &p->parts[p->nparts];
	pt->f = open_new(p, person, path);
	if (!pt->f)
		return NULL;
	snprintf(pt->path, sizeof(pt->path), "%s", path);
	pt->dirty = 1;
	p->nparts++;
	return pt->f;
}

int partition_sync(struct pull *p)
{
	int err;

	for (int i = 0; i < p->nparts; i++) {
		err = sync_one(&p->parts[i]);
		if (err)
			return err;
	}
	return 0;
}

static int remove_dir(int out_fd, const char *person)
{
	int dfd = openat(out_fd, person, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && unlinkat(dfd, de->d_name, 0)) {
			closedir(d);
			return -errno;
		}
	closedir(d);
	if (unlinkat(out_fd, person, AT_REMOVEDIR) || fsync(out_fd))
		return -errno;
	return 0;
}

int partition_remove(struct pull *p, const char *person)
{
	size_t n = strlen(person);

	for (int i = p->nparts - 1; i >= 0; i--)
		if (!strncmp(p->parts[i].path, person, n) && p->parts[i].path[n] == '/')
			close_one(p, i);
	return remove_dir(p->out_fd, person);
}
