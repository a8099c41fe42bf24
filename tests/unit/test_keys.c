// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Forget destroys the wrapped key where it lies: through the fileio table, the key file is
 * overwritten with other bytes and fsync'ed before it is unlinked and the key dir fsync'ed; a
 * failed overwrite is reported. The keys the store holds are in locked memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "fileio.h"
#include "store.h"

#define UID_A	   1000
#define MAX_EVENTS 64
#define KEY_FILE   "user-1000.key"

enum op { OP_WRITE, OP_FSYNC, OP_UNLINK };

/* What the key file and the key dir went through, in order. */
struct event {
	enum op op;
	ino_t ino; /* write, fsync: of the fd; unlink: of the directory */
	char name[32];
	uint8_t data[128];
	size_t len;
};

static struct fileio real_io;
static struct event events[MAX_EVENTS];
static int n_events;
static ino_t fail_fsync_of; /* this inode's fsyncs fail with EIO */
static char tmp_root[64], data_dir[96], key_dir[96], key_path[128];

static ino_t fd_ino(int fd)
{
	struct stat sb;

	return fstat(fd, &sb) ? 0 : sb.st_ino;
}

static struct event *record(enum op op, int fd)
{
	struct event *e = n_events < MAX_EVENTS ? &events[n_events++] : &events[MAX_EVENTS - 1];

	memset(e, 0, sizeof(*e));
	e->op = op;
	e->ino = fd_ino(fd);
	return e;
}

static ssize_t log_write(int fd, const void *buf, size_t len)
{
	struct event *e = record(OP_WRITE, fd);

	e->len = len;
	memcpy(e->data, buf, len < sizeof(e->data) ? len : sizeof(e->data));
	return real_io.write(fd, buf, len);
}

static int log_fsync(int fd)
{
	if (record(OP_FSYNC, fd)->ino == fail_fsync_of && fail_fsync_of) {
		errno = EIO;
		return -1;
	}
	return real_io.fsync(fd);
}

static int log_unlinkat(int dir_fd, const char *path, int flags)
{
	snprintf(record(OP_UNLINK, dir_fd)->name, sizeof(events[0].name), "%s", path);
	return real_io.unlinkat(dir_fd, path, flags);
}

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	return remove(path);
}

/* A store holding one record of UID_A, flushed: its key file exists. */
static struct store *store_with_a_user(void)
{
	struct evtap_record r = { .uid = UID_A, .ts_ns = 1, .kind = EVTAP_KIND_KEY, .code = 30 };
	struct store *st = NULL;

	snprintf(tmp_root, sizeof(tmp_root), "/tmp/evtap-keys-XXXXXX");
	if (!mkdtemp(tmp_root)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(data_dir, sizeof(data_dir), "%s/data", tmp_root);
	snprintf(key_dir, sizeof(key_dir), "%s/keys", tmp_root);
	snprintf(key_path, sizeof(key_path), "%s/" KEY_FILE, key_dir);
	CHECK_EQ(store_open(&st, data_dir, key_dir, NULL), 0);
	CHECK_EQ(store_append(st, &r, NULL), 0);
	CHECK_EQ(store_flush(st), 0);
	return st;
}

/* The first event at or after from that matches; n_events if none. */
static int find(int from, enum op op, ino_t ino, const char *name)
{
	for (int i = from; i < n_events; i++)
		if (events[i].op == op && events[i].ino == ino &&
		    (!name || !strcmp(events[i].name, name)))
			return i;
	return n_events;
}

static void test_forget_overwrites_the_key_file_before_unlinking_it(void)
{
	uint8_t wrapped[128], after[128];
	struct store *st = store_with_a_user();
	int fd = open(key_path, O_RDONLY);
	ssize_t len = read(fd, wrapped, sizeof(wrapped));
	struct stat key_sb, dir_sb;
	int w, f, u, d;

	CHECK(len > 0 && !fstat(fd, &key_sb) && !stat(key_dir, &dir_sb), "%s", key_path);
	n_events = 0;
	CHECK_EQ(store_forget(st, UID_A), 0);
	w = find(0, OP_WRITE, key_sb.st_ino, NULL);
	f = find(w, OP_FSYNC, key_sb.st_ino, NULL);
	u = find(f, OP_UNLINK, dir_sb.st_ino, KEY_FILE);
	d = find(u, OP_FSYNC, dir_sb.st_ino, NULL);
	CHECK(w < n_events, "the key file was not overwritten");
	CHECK(w < n_events && events[w].len == (size_t)len && memcmp(events[w].data, wrapped, len),
	      "the overwrite is not the whole key, or the key itself");
	CHECK(f < n_events, "the overwrite was not fsync'ed before the unlink");
	CHECK(u < n_events, "the key file was not unlinked after the fsync");
	CHECK(d < n_events, "the key dir was not fsync'ed after the unlink");
	/* What the file's blocks hold now, read through a descriptor opened before. */
	CHECK_EQ(pread(fd, after, sizeof(after), 0), len);
	CHECK(memcmp(after, wrapped, len), "the wrapped key is still in the file");
	CHECK(access(key_path, F_OK) && errno == ENOENT, "%s survived", key_path);
	close(fd);
	store_close(st);
	nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A failed overwrite is reported, and the name goes all the same. */
static void test_failed_overwrite_is_reported(void)
{
	struct store *st = store_with_a_user();
	struct stat sb;

	CHECK_EQ(stat(key_path, &sb), 0);
	fail_fsync_of = sb.st_ino;
	CHECK_EQ(store_forget(st, UID_A), -EIO);
	fail_fsync_of = 0;
	CHECK(access(key_path, F_OK) && errno == ENOENT, "%s survived", key_path);
	store_close(st);
	nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* kB of locked memory, from /proc/self/status. */
static long locked_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/*
 * Every user's key has a slot in one locked table, whatever the number of users. ASan makes
 * mlock a no-op, so only the plain build can see the locking.
 */
static void test_keys_are_in_locked_memory(void)
{
	long before = locked_kb();
	struct store *st = store_with_a_user();

#ifndef __SANITIZE_ADDRESS__
	CHECK(locked_kb() - before >= EVTAP_MAX_USERS * 32 / 1024, "%ld kB locked, %ld before",
	      locked_kb(), before);
#endif
	store_close(st);
	CHECK_EQ(locked_kb(), before);
	nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	real_io = fileio;
	fileio.write = log_write;
	fileio.fsync = log_fsync;
	fileio.unlinkat = log_unlinkat;
	RUN(test_forget_overwrites_the_key_file_before_unlinking_it);
	RUN(test_failed_overwrite_is_reported);
	RUN(test_keys_are_in_locked_memory);
	CHECK_EXIT();
}
