// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The store: per user, records are encoded into a block in memory; a full block is written to
 * the user's current segment at once, and store_flush writes the partial ones and fsyncs. Only
 * what an fsync covered counts as persisted; every other record is counted lost, by reason.
 * I/O errors never stop the store: lost records are dropped (memory stays bounded) and the next
 * block goes to the same segment, or to a new one when the old one cannot be trusted.
 * Format and guarantees: docs/STORE.md.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "codec.h"
#include "fileio.h"
#include "segment.h"
#include "store.h"

#define SEGMENT_BYTES_DEFAULT (4u << 20)
#define BLOCK_BYTES_DEFAULT   (64u << 10)
#define BLOCK_BYTES_MAX	      (CODEC_BLOCK_MAX - CODEC_APPEND_MAX)
#define UID_NAME_SIZE	      11 /* decimal uint32, NUL */

/* A user's open segment, and what was written to it since its last fsync. */
struct open_segment {
	struct seg_writer w;
	uint64_t synced_size; /* what a discard cuts back to */
	uint64_t unsynced_records;
	uint64_t unsynced_blocks;
	uint64_t unsynced_bytes;
};

struct store_user {
	uint32_t uid;
	int dir_fd; /* -1 until its first block is written */
	uint64_t next_seq;
	struct open_segment seg;
	struct codec_enc enc; /* the block being built */
};

struct store {
	int data_fd;
	size_t segment_bytes;
	size_t block_bytes;
	struct seg_packer *packer;
	struct store_user **users;
	size_t n_users;
	size_t cap_users;
	struct store_stats stats;
	int first_err; /* since the last flush, which returns it */
};

static void uid_name(char name[UID_NAME_SIZE], uint32_t uid)
{
	snprintf(name, UID_NAME_SIZE, "%" PRIu32, uid);
}

static int64_t wall_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static enum store_loss loss_of(int err)
{
	return err == -ENOSPC || err == -EDQUOT ? STORE_LOSS_NO_SPACE : STORE_LOSS_IO;
}

static void store_lose(struct store *st, enum store_loss why, uint64_t records, int err)
{
	st->stats.unpersisted[why] += records;
	if (!st->first_err)
		st->first_err = err;
}

static void user_free(struct store_user *u)
{
	seg_close(&u->seg.w);
	if (u->dir_fd >= 0)
		close(u->dir_fd);
	codec_enc_free(&u->enc);
	free(u);
}

static struct store_user *user_find(const struct store *st, uint32_t uid, size_t *pos)
{
	for (size_t i = 0; i < st->n_users; i++) {
		if (st->users[i]->uid == uid) {
			*pos = i;
			return st->users[i];
		}
	}
	return NULL;
}

/* The encoder is allocated here, once per user: appending itself never allocates. */
static int user_add(struct store *st, uint32_t uid, struct store_user **out)
{
	struct store_user *u;

	if (st->n_users == EVTAP_MAX_USERS)
		return -EUSERS;
	if (st->n_users == st->cap_users) {
		size_t cap = st->cap_users ? st->cap_users * 2 : 4;
		struct store_user **users = reallocarray(st->users, cap, sizeof(*users));

		if (!users)
			return -ENOMEM;
		st->users = users;
		st->cap_users = cap;
	}
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	if (codec_enc_init(&u->enc, st->block_bytes + CODEC_APPEND_MAX)) {
		free(u);
		return -ENOMEM;
	}
	u->uid = uid;
	u->dir_fd = -1;
	u->seg.w.fd = -1;
	st->users[st->n_users++] = u;
	*out = u;
	return 0;
}

static int user_get(struct store *st, uint32_t uid, struct store_user **out)
{
	size_t pos;

	*out = user_find(st, uid, &pos);
	return *out ? 0 : user_add(st, uid, out);
}

/* Opens the user's directory, creating it; new segments number on from the last one there. */
static int user_open_dir(struct store *st, struct store_user *u)
{
	char name[UID_NAME_SIZE];
	uint64_t *seqs;
	size_t count;
	int fd, err;

	uid_name(name, u->uid);
	if (mkdirat(st->data_fd, name, 0700) && errno != EEXIST)
		return -errno;
	/* Whether or not this call created it, its entry must be durable before its segments. */
	if (fileio.fsync(st->data_fd))
		return -errno;
	fd = openat(st->data_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	err = seg_list(fd, &seqs, &count);
	if (err) {
		close(fd);
		return err;
	}
	u->next_seq = count ? seqs[count - 1] + 1 : 0;
	free(seqs);
	u->dir_fd = fd;
	return 0;
}

static int user_new_segment(struct store *st, struct store_user *u)
{
	struct open_segment *seg = &u->seg;
	int err = 0;

	if (u->dir_fd < 0)
		err = user_open_dir(st, u);
	if (!err)
		err = seg_create(&seg->w, u->dir_fd, u->uid, u->next_seq, wall_now_ns());
	if (err)
		return err;
	u->next_seq++;
	/* The new file's name must be durable before anything in it counts as persisted. */
	if (fileio.fsync(u->dir_fd)) {
		err = -errno;
		seg_close(&seg->w);
		return err;
	}
	seg->synced_size = seg->w.size;
	return 0;
}

/*
 * Fsyncs what u wrote since the last fsync. On failure those records are lost for good: the
 * kernel may have dropped the dirty pages and cleared the error, so a retry could succeed and
 * prove nothing. The segment is abandoned and the next block starts a new one.
 */
static void user_sync(struct store *st, struct store_user *u)
{
	struct open_segment *seg = &u->seg;
	int err;

	if (seg->w.fd < 0 || !seg->unsynced_blocks)
		return;
	if (fileio.fsync(seg->w.fd)) {
		err = -errno;
		store_lose(st, STORE_LOSS_FSYNC, seg->unsynced_records, err);
		seg_close(&seg->w);
	} else {
		st->stats.records_persisted += seg->unsynced_records;
		st->stats.blocks_persisted += seg->unsynced_blocks;
		st->stats.bytes_persisted += seg->unsynced_bytes;
		seg->synced_size = seg->w.size;
	}
	seg->unsynced_records = 0;
	seg->unsynced_blocks = 0;
	seg->unsynced_bytes = 0;
}

static void user_retire_segment(struct store *st, struct store_user *u)
{
	user_sync(st, u);
	seg_close(&u->seg.w);
}

/* A segment that reached its size is retired; the first block after an open starts one. */
static int user_segment_ready(struct store *st, struct store_user *u)
{
	if (u->seg.w.fd >= 0 && u->seg.w.size >= st->segment_bytes)
		user_retire_segment(st, u);
	if (u->seg.w.fd >= 0)
		return 0;
	return user_new_segment(st, u);
}

/* encode (done by appends) -> compress, frame (seg_pack) -> write; the fsync comes later. */
static void user_write_block(struct store *st, struct store_user *u)
{
	struct open_segment *seg = &u->seg;
	uint32_t records = u->enc.records;
	const uint8_t *frame;
	size_t len;
	int err;

	err = user_segment_ready(st, u);
	if (!err)
		err = seg_pack(st->packer, u->enc.buf, u->enc.len, &frame, &len);
	if (!err)
		err = seg_append(&seg->w, frame, len);
	codec_enc_reset(&u->enc);
	if (err) {
		store_lose(st, loss_of(err), records, err);
		if (seg->w.broken)
			user_retire_segment(st, u);
		return;
	}
	seg->unsynced_records += records;
	seg->unsynced_blocks++;
	seg->unsynced_bytes += len;
}

static int store_configure(struct store *st, const struct store_opts *opts)
{
	st->segment_bytes =
		opts && opts->segment_bytes ? opts->segment_bytes : SEGMENT_BYTES_DEFAULT;
	st->block_bytes = opts && opts->block_bytes ? opts->block_bytes : BLOCK_BYTES_DEFAULT;
	return st->block_bytes <= BLOCK_BYTES_MAX ? 0 : -EINVAL;
}

static int open_data_dir(const char *path, int *fd)
{
	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	*fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}

static void store_free(struct store *st)
{
	for (size_t i = 0; i < st->n_users; i++)
		user_free(st->users[i]);
	free(st->users);
	seg_packer_free(st->packer);
	if (st->data_fd >= 0)
		close(st->data_fd);
	free(st);
}

int store_open(struct store **out, const char *data_dir, const struct store_opts *opts)
{
	struct store *st = calloc(1, sizeof(*st));
	int err;

	if (!st)
		return -ENOMEM;
	st->data_fd = -1;
	err = store_configure(st, opts);
	if (!err)
		err = seg_packer_new(&st->packer, st->block_bytes + CODEC_APPEND_MAX);
	if (!err)
		err = open_data_dir(data_dir, &st->data_fd);
	if (err) {
		store_free(st);
		return err;
	}
	*out = st;
	return 0;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	store_flush(st);
	store_free(st);
}

int store_append(struct store *st, const struct evtap_record *rec, const struct evtap_device *dev)
{
	struct store_user *u;
	int err;

	if (rec->uid == EVTAP_UID_NONE)
		return -EINVAL;
	err = user_get(st, rec->uid, &u);
	if (!err)
		err = codec_enc_append(&u->enc, rec, dev);
	if (err)
		return err;
	if (u->enc.len >= st->block_bytes)
		user_write_block(st, u);
	return 0;
}

int store_flush(struct store *st)
{
	int err;

	for (size_t i = 0; i < st->n_users; i++) {
		if (st->users[i]->enc.records)
			user_write_block(st, st->users[i]);
	}
	for (size_t i = 0; i < st->n_users; i++)
		user_sync(st, st->users[i]);
	err = st->first_err;
	st->first_err = 0;
	return err;
}

/* Blocks written but not yet fsync'ed are not persisted either: cut them off. */
static void user_discard_unsynced(struct store *st, struct store_user *u)
{
	struct open_segment *seg = &u->seg;

	if (seg->w.fd < 0 || !seg->unsynced_blocks)
		return;
	/* If the cut fails, the blocks stay and the next flush persists them as usual. */
	if (seg_truncate(&seg->w, seg->synced_size))
		return;
	st->stats.unpersisted[STORE_LOSS_DISCARDED] += seg->unsynced_records;
	seg->unsynced_records = 0;
	seg->unsynced_blocks = 0;
	seg->unsynced_bytes = 0;
}

void store_discard(struct store *st, uint32_t uid)
{
	size_t pos;
	struct store_user *u = user_find(st, uid, &pos);

	if (!u)
		return;
	st->stats.unpersisted[STORE_LOSS_DISCARDED] += u->enc.records;
	codec_enc_reset(&u->enc);
	user_discard_unsynced(st, u);
}

static int unlink_all(int dir_fd)
{
	struct dirent *de;
	DIR *dir = fdopendir(dir_fd);
	int err = 0;

	if (!dir) {
		err = -errno;
		close(dir_fd);
		return err;
	}
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(dir), de->d_name, 0) && !err)
			err = -errno;
	}
	closedir(dir);
	return err;
}

static int remove_user_dir(int data_fd, uint32_t uid)
{
	char name[UID_NAME_SIZE];
	int fd, err;

	uid_name(name, uid);
	fd = openat(data_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	err = unlink_all(fd);
	if (!err && unlinkat(data_fd, name, AT_REMOVEDIR))
		err = -errno;
	if (!err && fileio.fsync(data_fd))
		err = -errno;
	return err;
}

int store_forget(struct store *st, uint32_t uid)
{
	size_t pos;
	struct store_user *u = user_find(st, uid, &pos);

	if (u) {
		st->stats.unpersisted[STORE_LOSS_DISCARDED] +=
			u->enc.records + u->seg.unsynced_records;
		user_free(u);
		st->users[pos] = st->users[--st->n_users];
	}
	return remove_user_dir(st->data_fd, uid);
}

const struct store_stats *store_stats(const struct store *st)
{
	return &st->stats;
}

/* Reading. */
struct read_ctx {
	const struct store_read_cb *cb;
	int64_t since_ns;
	int64_t until_ns;
	char path[PATH_MAX + 1 + SEG_NAME_SIZE]; /* the segment being read: its dir, '/', name */
};

static int read_record(void *ctx, const struct evtap_record *rec, const struct evtap_device *dev)
{
	struct read_ctx *rc = ctx;

	if (rec->ts_ns < rc->since_ns || rec->ts_ns >= rc->until_ns)
		return 0;
	return rc->cb->record(rc->cb->ctx, rec, dev);
}

static void read_corrupt(void *ctx, uint64_t offset, const char *why)
{
	struct read_ctx *rc = ctx;

	if (rc->cb->corrupt)
		rc->cb->corrupt(rc->cb->ctx, rc->path, offset, why);
}

static int read_segment(struct seg_reader *rd, int dir_fd, const char *dir_path, uint32_t uid,
			uint64_t seq, struct read_ctx *rc)
{
	const struct seg_read_cb cb = { .record = read_record, .corrupt = read_corrupt, .ctx = rc };
	char name[SEG_NAME_SIZE];
	int fd, ret;

	seg_name(name, seq);
	snprintf(rc->path, sizeof(rc->path), "%s/%s", dir_path, name);
	fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno; /* ENOENT: forgotten meanwhile */
	ret = seg_read_fd(rd, fd, uid, &cb);
	close(fd);
	return ret;
}

static int read_user_dir(int dir_fd, const char *dir_path, uint32_t uid, struct read_ctx *rc)
{
	struct seg_reader *rd;
	uint64_t *seqs;
	size_t count;
	int ret;

	ret = seg_list(dir_fd, &seqs, &count);
	if (ret)
		return ret;
	rd = seg_reader_new();
	if (!rd) {
		free(seqs);
		return -ENOMEM;
	}
	for (size_t i = 0; i < count && !ret; i++)
		ret = read_segment(rd, dir_fd, dir_path, uid, seqs[i], rc);
	seg_reader_free(rd);
	free(seqs);
	return ret;
}

int store_read_user(const char *data_dir, uint32_t uid, int64_t since_ns, int64_t until_ns,
		    const struct store_read_cb *cb)
{
	struct read_ctx rc = { .cb = cb, .since_ns = since_ns, .until_ns = until_ns };
	char name[UID_NAME_SIZE], dir_path[PATH_MAX];
	int data_fd, dir_fd, ret;

	data_fd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (data_fd < 0)
		return -errno;
	uid_name(name, uid);
	dir_fd = openat(data_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	ret = dir_fd < 0 && errno != ENOENT ? -errno : 0;
	close(data_fd);
	if (dir_fd < 0)
		return ret; /* no directory: no records */
	snprintf(dir_path, sizeof(dir_path), "%s/%s", data_dir, name);
	ret = read_user_dir(dir_fd, dir_path, uid, &rc);
	close(dir_fd);
	return ret;
}

/* The decimal form store_open gives a uid, and nothing else: no sign, no leading zero. */
static bool parse_uid(const char *name, uint32_t *uid)
{
	size_t len = strlen(name);
	uint64_t v = 0;

	if (!len || len > UID_NAME_SIZE - 1 || strspn(name, "0123456789") != len ||
	    (name[0] == '0' && len > 1))
		return false;
	for (size_t i = 0; i < len; i++)
		v = v * 10 + (uint64_t)(name[i] - '0');
	*uid = (uint32_t)v;
	return v <= UINT32_MAX;
}

static bool is_dir(int dir_fd, const char *name)
{
	struct stat sb;

	return !fstatat(dir_fd, name, &sb, AT_SYMLINK_NOFOLLOW) && S_ISDIR(sb.st_mode);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

int store_list_users(const char *data_dir, uint32_t *uids, int max)
{
	DIR *dir = opendir(data_dir);
	struct dirent *de;
	uint32_t uid;
	int n = 0, err = 0;

	if (!dir)
		return -errno;
	while (!err && (de = readdir(dir))) {
		if (!parse_uid(de->d_name, &uid) || !is_dir(dirfd(dir), de->d_name))
			continue;
		if (n == max)
			err = -ENOBUFS;
		else
			uids[n++] = uid;
	}
	closedir(dir);
	if (err)
		return err;
	qsort(uids, (size_t)n, sizeof(*uids), cmp_u32);
	return n;
}
