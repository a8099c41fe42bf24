// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A consent change must survive a power failure once it is answered: the buffered blocks of a
 * user who opted out are cut off durably, then the consent file is written, fsync'ed, renamed
 * and its directory fsync'ed. Every fileio call of the change is made to fail in turn; a model
 * of what a crash would lose (every inode written, cut or renamed into since its last fsync)
 * checks that each change is either durable or reported as failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "daemon.h"
#include "fileio.h"

#define UID_A	  1000
#define TS0	  1700000000000000000ll
#define PERSISTED 100 /* records fsync'ed before the opt-out */
#define BUFFERED  300 /* records written or buffered, not yet fsync'ed, at the opt-out */
#define MAX_DIRTY 64

static char tmp_root[64], data_dir[96], key_dir[96], consent_path[128];

/* The crash model: inodes with changes that no successful fsync covered yet. */
static struct fileio real_io;
static ino_t dirty[MAX_DIRTY];
static int n_dirty, calls, fail_at;
static const char *violation;

static void mark(ino_t ino, int on)
{
	for (int i = 0; i < n_dirty; i++) {
		if (dirty[i] == ino) {
			if (!on)
				dirty[i] = dirty[--n_dirty];
			return;
		}
	}
	if (on && n_dirty < MAX_DIRTY)
		dirty[n_dirty++] = ino;
}

static int is_dirty(ino_t ino)
{
	for (int i = 0; i < n_dirty; i++)
		if (dirty[i] == ino)
			return 1;
	return 0;
}

static ino_t fd_ino(int fd)
{
	struct stat sb;

	return fstat(fd, &sb) ? 0 : sb.st_ino;
}

static ino_t path_ino(const char *path)
{
	struct stat sb;

	return stat(path, &sb) ? 0 : sb.st_ino;
}

/* The call-th fileio call since the counter was reset fails with EIO when it is fail_at. */
static int injected(void)
{
	if (++calls != fail_at)
		return 0;
	errno = EIO;
	return 1;
}

static ssize_t model_write(int fd, const void *buf, size_t len)
{
	ssize_t n;

	if (injected())
		return -1;
	n = real_io.write(fd, buf, len);
	if (n > 0)
		mark(fd_ino(fd), 1);
	return n;
}

static int model_fsync(int fd)
{
	if (injected() || real_io.fsync(fd))
		return -1;
	mark(fd_ino(fd), 0);
	return 0;
}

static int model_ftruncate(int fd, off_t len)
{
	if (injected() || real_io.ftruncate(fd, len))
		return -1;
	mark(fd_ino(fd), 1);
	return 0;
}

/* What is renamed must be durable first; the new name is durable once its directory is. */
static int model_renameat(int old_dir_fd, const char *old_path, int new_dir_fd,
			  const char *new_path)
{
	char dir[PATH_MAX];

	if (injected())
		return -1;
	if (is_dirty(path_ino(old_path)))
		violation = "renamed a file whose data was not fsync'ed";
	if (real_io.renameat(old_dir_fd, old_path, new_dir_fd, new_path))
		return -1;
	snprintf(dir, sizeof(dir), "%s", new_path);
	mark(path_ino(dirname(dir)), 1);
	return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	return remove(path);
}

static void fresh_dir(void)
{
	snprintf(tmp_root, sizeof(tmp_root), "/tmp/evtap-consent-XXXXXX");
	if (!mkdtemp(tmp_root)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(data_dir, sizeof(data_dir), "%s/data", tmp_root);
	snprintf(key_dir, sizeof(key_dir), "%s/keys", tmp_root);
	snprintf(consent_path, sizeof(consent_path), "%s/consent.conf", data_dir);
}

static void append(struct store *st, int first, int count)
{
	for (int i = first; i < first + count; i++) {
		struct evtap_record r = { .uid = UID_A,
					  .ts_ns = TS0 + i,
					  .kind = EVTAP_KIND_KEY,
					  .code = 30,
					  .value = i & 1 };

		CHECK_EQ(store_append(st, &r, NULL), 0);
	}
}

static int count_record(void *ctx, const struct evtap_record *rec, const struct evtap_device *dev)
{
	(*(int *)ctx)++;
	return 0;
}

static int stored_records(void)
{
	int n = 0;
	struct store_read_cb cb = { .record = count_record, .ctx = &n };

	CHECK_EQ(store_read_user(data_dir, key_dir, UID_A, INT64_MIN, INT64_MAX, &cb), 0);
	return n;
}

static int saved_opted_out(void)
{
	const struct consent_user *u;
	struct consent *c;
	char err[256];
	int out;

	if (consent_load(&c, consent_path, err, sizeof(err)))
		return -1;
	u = consent_get(c, UID_A);
	out = u ? u->opted_out : 0;
	consent_free(c);
	return out;
}

/*
 * One opt-out with the fail_at-th fileio call failing. Returns whether that call was reached
 * (else the change ran without a failure).
 */
static int opt_out_failing_at(int at)
{
	struct store_opts opts = { .block_bytes = 256 };
	struct consent_user u = { .uid = UID_A, .opted_out = 1, .level = EVTAP_LEVEL_FULL };
	struct daemon d = { .fleet = { .level = EVTAP_LEVEL_FULL } };
	char err_msg[256];
	int err, reached;

	fresh_dir();
	CHECK_EQ(store_open(&d.store, data_dir, key_dir, &opts), 0);
	CHECK_EQ(consent_load(&d.consent, consent_path, err_msg, sizeof(err_msg)), 0);
	append(d.store, 0, PERSISTED);
	CHECK_EQ(store_flush(d.store), 0);
	append(d.store, PERSISTED, BUFFERED); /* full blocks are written, the rest buffered */
	CHECK_EQ(consent_set(d.consent, &u), 0);
	n_dirty = 0;
	calls = 0;
	fail_at = at;
	violation = NULL;
	err = daemon_persist_consent(&d, UID_A);
	reached = at && calls >= at;
	fail_at = 0;
	CHECK(!violation, "call %d: %s", at, violation);
	CHECK(!reached || err, "call %d failed, but the change was answered as done", at);
	CHECK(err || !n_dirty, "call %d: answered as done with %d inodes not durable", at, n_dirty);
	store_close(d.store);
	consent_free(d.consent);
	if (!err) {
		CHECK_EQ(saved_opted_out(), 1);
		CHECK_EQ(stored_records(), PERSISTED);
	}
	nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return reached;
}

static void test_opt_out_is_durable_or_reported_at_every_step(void)
{
	int at = 1;

	while (opt_out_failing_at(at) && at < 100)
		at++;
	/* The discard's cut and fsync, the file's write and fsync, the rename, the dir's fsync. */
	CHECK(at > 6, "only %d fileio calls", at - 1);
}

/* Without a failure, nothing of before the opt-out comes back after a restart. */
static void test_opt_out_without_failure(void)
{
	CHECK(!opt_out_failing_at(0), "a call failed");
}

int main(void)
{
	real_io = fileio;
	fileio.write = model_write;
	fileio.fsync = model_fsync;
	fileio.ftruncate = model_ftruncate;
	fileio.renameat = model_renameat;
	RUN(test_opt_out_without_failure);
	RUN(test_opt_out_is_durable_or_reported_at_every_step);
	CHECK_EXIT();
}
