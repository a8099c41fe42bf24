// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The store: per user, records are encoded into a block in memory; a full block is written to
 * the user's current segment at once, and store_flush writes the partial ones and fsyncs. Only
 * what an fsync covered counts as persisted; every other record is counted lost, by reason.
 * I/O errors never stop the store: lost records are dropped (memory stays bounded) and the next
 * block goes to the same segment, or to a new one when the old one cannot be trusted.
 * Every block is sealed with its user's key (keys.h); retention deletes whole segments, using
 * an index of their sizes and newest records built at open. Format and guarantees:
 * docs/STORE.md.
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
#include "clock.h"
#include "codec.h"
#include "fileio.h"
#include "keys.h"
#include "log.h"
#include "segment.h"
#include "store.h"

#define SEGMENT_BYTES_DEFAULT (4u << 20)
#define BLOCK_BYTES_DEFAULT   (64u << 10)
#define BLOCK_BYTES_MAX	      (CODEC_BLOCK_MAX - CODEC_APPEND_MAX)
#define UID_NAME_SIZE	      11 /* decimal uint32, NUL */
/* Key slots at first (128 KiB of locked memory); the table doubles past them. */
#define STORE_KEY_SLOTS 4096

/* A user's open segment, and what was written to it since its last fsync. */
struct open_segment {
	struct seg_writer w;
	uint64_t synced_size; /* what a discard cuts back to */
	uint64_t unsynced_records;
	uint64_t unsynced_blocks;
	uint64_t unsynced_bytes;
};

/* What retention needs to know of a segment without reading it. */
struct seg_info {
	uint64_t seq;
	uint64_t bytes;
	int64_t newest_ns; /* of its records; INT64_MIN if it has none */
};

struct store_user {
	uint32_t uid;
	bool opened; /* indexed and its key loaded: at store_open, or at its first block */
	uint64_t next_seq;
	struct open_segment seg;
	struct codec_enc enc;  /* the block being built */
	int64_t block_newest;  /* the newest record in enc */
	uint8_t *key;	       /* its slot of store.key_slots; valid once opened */
	struct seg_info *segs; /* ascending seq; the open segment, if any, is the last */
	size_t n_segs;
	size_t cap_segs;
	bool unlinked; /* retention deleted segments: the directory needs an fsync */
};

struct store {
	int data_fd;
	char *data_dir; /* for messages */
	struct keyring *keys;
	size_t segment_bytes;
	size_t block_bytes;
	int64_t retention_ns;
	uint64_t max_user_bytes;
	uint64_t max_total_bytes;
	bool shared;
	struct store_share share;
	struct seg_packer *packer;
	struct store_user **users;
	uint8_t (*key_slots)[KEY_SIZE]; /* users[i]'s key is key_slots[i]: locked memory */
	size_t cap_keys;
	size_t n_users;
	size_t cap_users;
	struct store_stats stats;
	int first_err; /* since the last flush, which returns it */
};

static void uid_name(char name[UID_NAME_SIZE], uint32_t uid)
{
	snprintf(name, UID_NAME_SIZE, "%" PRIu32, uid);
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
	codec_enc_free(&u->enc);
	sodium_memzero(u->key, KEY_SIZE);
	free(u->segs);
	free(u);
}

/* The last user takes the removed one's place, and its key the removed key's slot. */
static void user_remove(struct store *st, size_t pos)
{
	size_t last = --st->n_users;

	user_free(st->users[pos]);
	if (pos == last)
		return;
	st->users[pos] = st->users[last];
	memcpy(st->key_slots[pos], st->key_slots[last], KEY_SIZE);
	sodium_memzero(st->key_slots[last], KEY_SIZE);
	st->users[pos]->key = st->key_slots[pos];
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

/* Twice the key slots, the keys moved over; the old table is wiped as it is freed. */
static int grow_key_slots(struct store *st)
{
	uint8_t(*slots)[KEY_SIZE] = sodium_allocarray(st->cap_keys * 2, KEY_SIZE);

	if (!slots)
		return -ENOMEM;
	memcpy(slots, st->key_slots, st->n_users * KEY_SIZE);
	for (size_t i = 0; i < st->n_users; i++)
		st->users[i]->key = slots[i];
	sodium_free(st->key_slots);
	st->key_slots = slots;
	st->cap_keys *= 2;
	return 0;
}

/* No fixed number of users: a store holds as many as memory allows. */
static int user_add(struct store *st, uint32_t uid, struct store_user **out)
{
	struct store_user *u;

	if (st->n_users == st->cap_keys && grow_key_slots(st))
		return -ENOMEM;
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
	u->uid = uid;
	u->seg.w.fd = -1;
	u->key = st->key_slots[st->n_users];
	st->users[st->n_users++] = u;
	*out = u;
	return 0;
}

/*
 * The user who appends, with an encoder: allocated at the first record, once, so that users
 * who only have data (loaded at open) cost no block of memory; appending then never allocates.
 */
static int user_get(struct store *st, uint32_t uid, struct store_user **out)
{
	size_t pos;
	int err;

	*out = user_find(st, uid, &pos);
	err = *out ? 0 : user_add(st, uid, out);
	if (!err && !(*out)->enc.buf)
		err = codec_enc_init(&(*out)->enc, st->block_bytes + CODEC_APPEND_MAX);
	return err;
}

/*
 * The user's directory, opened for one operation and closed by the caller: no descriptor is
 * held per user, so that the number of users is not bounded by the descriptor limit.
 */
static int user_dir(const struct store *st, uint32_t uid)
{
	char name[UID_NAME_SIZE];
	int fd;

	uid_name(name, uid);
	fd = openat(st->data_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

static int index_push(struct store_user *u, uint64_t seq, uint64_t bytes, int64_t newest_ns)
{
	if (u->n_segs == u->cap_segs) {
		size_t cap = u->cap_segs ? u->cap_segs * 2 : 8;
		struct seg_info *segs = reallocarray(u->segs, cap, sizeof(*segs));

		if (!segs)
			return -ENOMEM;
		u->segs = segs;
		u->cap_segs = cap;
	}
	u->segs[u->n_segs++] = (struct seg_info){ seq, bytes, newest_ns };
	return 0;
}

static int scan_record(void *ctx, const struct evtap_record *rec, const struct evtap_device *dev)
{
	int64_t *newest = ctx;

	if (rec->ts_ns > *newest)
		*newest = rec->ts_ns;
	return 0;
}

/*
 * A crash (or a full disk) can leave a segment ending inside a block: cut it after the last
 * block that verifies and opens, so that the file holds only whole blocks again. Middle damage
 * stays for readers to report and skip. Nothing is cut unless a block opened or the header's
 * key id is the key's (good_end 0): blocks that do not open under a new key made after the key
 * dir was lost are not damage, and the old key may come back.
 */
static uint64_t cut_damaged_tail(struct store *st, struct store_user *u, int fd, uint64_t seq,
				 uint64_t size, uint64_t good_end)
{
	char name[SEG_NAME_SIZE];

	if (!good_end || good_end >= size)
		return size;
	seg_name(name, seq);
	if (fileio.ftruncate(fd, (off_t)good_end) || fileio.fsync(fd)) {
		log_warn("store: %s/%" PRIu32 "/%s: cannot cut the damaged tail at offset %" PRIu64
			 ": %m",
			 st->data_dir, u->uid, name, good_end);
		return size;
	}
	log_warn("store: %s/%" PRIu32 "/%s: damaged tail cut at offset %" PRIu64 " (%" PRIu64
		 " bytes)",
		 st->data_dir, u->uid, name, good_end, size - good_end);
	return good_end;
}

/*
 * Indexes one segment found at open: its size, and its newest record, read with the key. A
 * segment none of whose records can be read (another key's) ages from its creation.
 */
static int index_segment(struct store *st, struct store_user *u, int dir_fd, struct seg_reader *rd,
			 uint64_t seq)
{
	int64_t newest = INT64_MIN;
	const struct seg_read_cb cb = { .record = scan_record, .ctx = &newest };
	char name[SEG_NAME_SIZE];
	uint64_t size;
	struct stat sb;
	int fd, err = 0;

	seg_name(name, seq);
	fd = openat(dir_fd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &sb)) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		return err;
	}
	size = (uint64_t)sb.st_size;
	err = seg_read_fd(rd, fd, u->uid, u->key, &cb);
	if (!err)
		size = cut_damaged_tail(st, u, fd, seq, size, seg_reader_good_end(rd));
	close(fd);
	if (newest == INT64_MIN)
		newest = seg_reader_created(rd);
	return err ? err : index_push(u, seq, size, newest);
}

static int index_segments(struct store *st, struct store_user *u, int dir_fd, const uint64_t *seqs,
			  size_t count)
{
	struct seg_reader *rd;
	int err = 0;

	if (!count)
		return 0;
	rd = seg_reader_new();
	if (!rd)
		return -ENOMEM;
	for (size_t i = 0; i < count && !err; i++)
		err = index_segment(st, u, dir_fd, rd, seqs[i]);
	seg_reader_free(rd);
	return err;
}

/*
 * Segments without a key cannot be read with the key dir in place (it was lost or replaced):
 * the user gets a new key for what comes next, and the old segments are kept untouched, named
 * by their key id, in case the old key dir comes back.
 */
static int user_load_key(struct store *st, struct store_user *u, size_t n_segments, bool *had_key)
{
	int err = keyring_user_key(st->keys, u->uid, false, u->key);

	*had_key = !err;
	if (err != -ENOENT)
		return err;
	if (n_segments)
		log_warn("store: user %" PRIu32 " has %zu segments but no key: they are kept, "
			 "unreadable without the key they were written under",
			 u->uid, n_segments);
	return keyring_user_key(st->keys, u->uid, true, u->key);
}

/*
 * Fleet mode: the directory and its segments to the ship group (a store that was not shared
 * before becomes so), and the key sealed beside them; a key made anew replaces the sealed one.
 */
static int user_share(struct store *st, struct store_user *u, int dir_fd, bool had_key)
{
	int err;

	if (!st->shared)
		return 0;
	err = share_fd(dir_fd, &st->share, true);
	if (!err)
		err = share_segments(dir_fd, &st->share);
	if (!err)
		err = share_key(dir_fd, u->uid, u->key, &st->share, !had_key);
	return err;
}

/*
 * Fleet mode: tells the shipper that u's blocks up to seq, off are durable and beyond any
 * discard (share.h). Failing costs a delay only: the shipper waits for the next flush's.
 */
static void user_tell_durable(struct store *st, struct store_user *u, int dir_fd, uint64_t seq,
			      uint64_t off)
{
	int fd, err;

	if (!st->shared)
		return;
	fd = dir_fd >= 0 ? dir_fd : user_dir(st, u->uid);
	err = fd < 0 ? fd : share_durable_write(fd, seq, off, &st->share);
	if (fd >= 0 && dir_fd < 0)
		close(fd);
	if (err)
		log_warn("store: %s/%" PRIu32 "/%s: %s", st->data_dir, u->uid, SHARE_DURABLE_NAME,
			 strerror(-err));
}

/*
 * Fleet mode, at open: a discard cuts only the segment being written, and a segment never
 * spans two runs, so nothing of an earlier run can be cut any more. Its last segment is
 * fsync'ed (a crash of evtapd may have left blocks unsynced), then all of it may be shipped.
 */
static void user_settle_earlier_runs(struct store *st, struct store_user *u, int dir_fd)
{
	char name[SEG_NAME_SIZE];
	int fd;

	if (!st->shared)
		return;
	if (u->next_seq) {
		seg_name(name, u->next_seq - 1);
		fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || fileio.fsync(fd)) {
			log_warn("store: %s/%" PRIu32 "/%s: %m: not shipped until it is",
				 st->data_dir, u->uid, name);
			if (fd >= 0)
				close(fd);
			return;
		}
		close(fd);
	}
	user_tell_durable(st, u, dir_fd, u->next_seq, 0);
}

/*
 * Opens the user's directory, creating it, and the user's key; indexes the segments there, and
 * new segments number on from the last one.
 */
static int user_open_dir(struct store *st, struct store_user *u)
{
	char name[UID_NAME_SIZE];
	uint64_t *seqs;
	size_t count;
	bool had_key;
	int fd, err;

	uid_name(name, u->uid);
	if (mkdirat(st->data_fd, name, 0700) && errno != EEXIST)
		return -errno;
	/* Whether or not this call created it, its entry must be durable before its segments. */
	if (fileio.fsync(st->data_fd))
		return -errno;
	fd = user_dir(st, u->uid);
	if (fd < 0)
		return fd;
	err = seg_list(fd, &seqs, &count);
	if (!err) {
		err = user_load_key(st, u, count, &had_key);
		if (!err)
			err = user_share(st, u, fd, had_key);
		if (!err)
			err = index_segments(st, u, fd, seqs, count);
		u->next_seq = count ? seqs[count - 1] + 1 : 0;
		free(seqs);
		if (!err)
			user_settle_earlier_runs(st, u, fd);
	}
	close(fd);
	u->opened = !err;
	if (err)
		u->n_segs = 0;
	return err;
}

static int user_new_segment(struct store *st, struct store_user *u)
{
	struct open_segment *seg = &u->seg;
	int err = u->opened ? 0 : user_open_dir(st, u), dir_fd;

	if (err)
		return err;
	dir_fd = user_dir(st, u->uid);
	if (dir_fd < 0)
		return dir_fd;
	err = seg_create(&seg->w, dir_fd, u->uid, u->next_seq, clock_wall_ns(), u->key);
	if (err) {
		close(dir_fd);
		return err;
	}
	u->next_seq++;
	err = st->shared ? share_fd(seg->w.fd, &st->share, false) : 0;
	/* The new file's name must be durable before anything in it counts as persisted. */
	if (!err)
		err = fileio.fsync(dir_fd) ? -errno
					   : index_push(u, seg->w.seq, seg->w.size, INT64_MIN);
	close(dir_fd);
	if (err) {
		seg_close(&seg->w);
		return err;
	}
	seg->synced_size = seg->w.size;
	return 0;
}

/* The open segment is the last indexed one: keep its entry in step with the file. */
static void index_update_open(struct store_user *u, int64_t newest_ns)
{
	struct seg_info *last = u->n_segs ? &u->segs[u->n_segs - 1] : NULL;

	if (!last || u->seg.w.fd < 0 || last->seq != u->seg.w.seq)
		return;
	last->bytes = u->seg.w.size;
	if (newest_ns > last->newest_ns)
		last->newest_ns = newest_ns;
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
		user_tell_durable(st, u, -1, seg->w.seq, seg->synced_size);
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

/*
 * encode (done by appends) -> compress, seal, frame (seg_pack) -> write; the fsync comes later.
 * The seal binds the block to the offset it is written at.
 */
static void user_write_block(struct store *st, struct store_user *u)
{
	struct open_segment *seg = &u->seg;
	uint32_t records = u->enc.records;
	struct seg_place place = { .uid = u->uid };
	const uint8_t *frame;
	size_t len;
	int err;

	err = user_segment_ready(st, u);
	if (!err) {
		place.seq = seg->w.seq;
		place.offset = seg->w.size;
		err = seg_pack(st->packer, u->enc.buf, u->enc.len, u->key, &place, &frame, &len);
	}
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
	index_update_open(u, u->block_newest);
}

/* Whole segments are deleted: at most a quarter of a limit each, so that limits hold closely. */
static size_t default_segment_bytes(const struct store *st)
{
	uint64_t limit = st->max_user_bytes;

	if (st->max_total_bytes && (!limit || st->max_total_bytes < limit))
		limit = st->max_total_bytes;
	return limit && limit / 4 < SEGMENT_BYTES_DEFAULT ? (size_t)(limit / 4)
							  : SEGMENT_BYTES_DEFAULT;
}

static int store_configure(struct store *st, const struct store_opts *opts)
{
	static const struct store_opts defaults;

	if (!opts)
		opts = &defaults;
	st->retention_ns = opts->retention_ns;
	st->max_user_bytes = opts->max_user_bytes;
	st->max_total_bytes = opts->max_total_bytes;
	st->shared = opts->share != NULL;
	if (opts->share)
		st->share = *opts->share;
	st->segment_bytes = opts->segment_bytes ? opts->segment_bytes : default_segment_bytes(st);
	st->block_bytes = opts->block_bytes ? opts->block_bytes : BLOCK_BYTES_DEFAULT;
	return st->block_bytes <= BLOCK_BYTES_MAX && st->retention_ns >= 0 ? 0 : -EINVAL;
}

static int open_data_dir(struct store *st, const char *path)
{
	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	st->data_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->data_fd < 0)
		return -errno;
	return st->shared ? share_fd(st->data_fd, &st->share, true) : 0;
}

static void store_free(struct store *st)
{
	for (size_t i = 0; i < st->n_users; i++)
		user_free(st->users[i]);
	free(st->users);
	sodium_free(st->key_slots);
	seg_packer_free(st->packer);
	keyring_close(st->keys);
	if (st->data_fd >= 0)
		close(st->data_fd);
	free(st->data_dir);
	free(st);
}

/*
 * Every user already in the store is opened now: to repair torn tails before anything is
 * appended, and so that retention covers users who do not come back. A user that cannot be
 * opened is logged and left alone; its next record tries again.
 */
static int load_users(struct store *st)
{
	struct store_user *u;
	uint32_t *uids;
	int n, err = 0;

	n = store_list_users(st->data_dir, &uids);
	for (int i = 0; i < n && !err; i++) {
		err = user_add(st, uids[i], &u);
		if (!err)
			err = user_open_dir(st, u);
		if (err && err != -ENOMEM) {
			log_warn("store: user %" PRIu32 ": %s", uids[i], strerror(-err));
			err = 0;
		}
	}
	if (n >= 0)
		free(uids);
	return n < 0 ? n : err;
}

int store_open(struct store **out, const char *data_dir, const char *key_dir,
	       const struct store_opts *opts)
{
	struct store *st = calloc(1, sizeof(*st));
	int err;

	if (!st)
		return -ENOMEM;
	st->data_fd = -1;
	st->data_dir = strdup(data_dir);
	err = st->data_dir ? store_configure(st, opts) : -ENOMEM;
	if (!err)
		err = seg_packer_new(&st->packer, st->block_bytes + CODEC_APPEND_MAX);
	if (!err)
		err = keyring_open(&st->keys, key_dir, true);
	/* Locked memory, never swapped out, guarded, and wiped when freed: keys only live here. */
	st->cap_keys = STORE_KEY_SLOTS;
	if (!err && !(st->key_slots = sodium_allocarray(st->cap_keys, KEY_SIZE)))
		err = -ENOMEM;
	if (!err)
		err = open_data_dir(st, data_dir);
	if (!err)
		err = load_users(st);
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

	err = rec->uid == EVTAP_UID_NONE ? -EINVAL : user_get(st, rec->uid, &u);
	if (!err)
		err = codec_enc_append(&u->enc, rec, dev);
	if (err) {
		st->stats.unpersisted[err == -ENOMEM ? STORE_LOSS_NO_MEMORY : STORE_LOSS_INVALID]++;
		return err;
	}
	if (u->enc.records == 1 || rec->ts_ns > u->block_newest)
		u->block_newest = rec->ts_ns;
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

/*
 * Blocks written but not yet fsync'ed are not persisted either: cut them off, and fsync the
 * cut, so that a crash cannot bring them back. If the cut or its fsync fails, the blocks may
 * survive: the segment is closed without an fsync of its own and never written again (the next
 * block starts a new one), and the error is returned for the caller to report.
 */
static int user_discard_unsynced(struct store *st, struct store_user *u)
{
	struct open_segment *seg = &u->seg;
	int err;

	if (seg->w.fd < 0 || !seg->unsynced_blocks)
		return 0;
	err = seg_truncate(&seg->w, seg->synced_size);
	if (!err && fileio.fsync(seg->w.fd))
		err = -errno;
	if (err)
		seg_close(&seg->w);
	else
		index_update_open(u, INT64_MIN);
	st->stats.unpersisted[STORE_LOSS_DISCARDED] += seg->unsynced_records;
	seg->unsynced_records = 0;
	seg->unsynced_blocks = 0;
	seg->unsynced_bytes = 0;
	return err;
}

int store_discard(struct store *st, uint32_t uid)
{
	size_t pos;
	struct store_user *u = user_find(st, uid, &pos);

	if (!u)
		return 0;
	st->stats.unpersisted[STORE_LOSS_DISCARDED] += u->enc.records;
	codec_enc_reset(&u->enc);
	return user_discard_unsynced(st, u);
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
	int err = keyring_forget(st->keys, uid), err2;

	if (u) {
		st->stats.unpersisted[STORE_LOSS_DISCARDED] +=
			u->enc.records + u->seg.unsynced_records;
		user_remove(st, pos);
	}
	err2 = remove_user_dir(st->data_fd, uid);
	return err ? err : err2;
}

/* Deletes u's i-th indexed segment; the caller fsyncs the directory. */
static int drop_segment(struct store *st, struct store_user *u, size_t i)
{
	char name[SEG_NAME_SIZE];
	int dir_fd, err;

	if (u->seg.w.fd >= 0 && u->seg.w.seq == u->segs[i].seq)
		user_retire_segment(st, u);
	seg_name(name, u->segs[i].seq);
	dir_fd = user_dir(st, u->uid);
	if (dir_fd < 0)
		return dir_fd;
	err = unlinkat(dir_fd, name, 0) && errno != ENOENT ? -errno : 0;
	close(dir_fd);
	if (err)
		return err;
	memmove(&u->segs[i], &u->segs[i + 1], (u->n_segs - i - 1) * sizeof(*u->segs));
	u->n_segs--;
	u->unlinked = true;
	return 0;
}

static uint64_t user_bytes(const struct store_user *u)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < u->n_segs; i++)
		sum += u->segs[i].bytes;
	return sum;
}

/*
 * Empty segments (no newest record) count as expired: they hold nothing worth keeping. A user
 * not opened has no index.
 */
static int expire_user(struct store *st, struct store_user *u, int64_t cutoff_ns)
{
	int err = 0;

	if (!u->opened)
		return 0;
	for (size_t i = 0; i < u->n_segs && !err;) {
		if (st->retention_ns && u->segs[i].newest_ns < cutoff_ns &&
		    !(u->seg.w.fd >= 0 && u->segs[i].seq == u->seg.w.seq))
			err = drop_segment(st, u, i);
		else
			i++;
	}
	while (!err && st->max_user_bytes && user_bytes(u) > st->max_user_bytes)
		err = drop_segment(st, u, 0);
	return err;
}

/* The user whose oldest segment has the oldest newest record: it goes first. */
static struct store_user *oldest_user(const struct store *st, uint64_t *total)
{
	struct store_user *oldest = NULL;

	*total = 0;
	for (size_t i = 0; i < st->n_users; i++) {
		struct store_user *u = st->users[i];

		*total += user_bytes(u);
		if (u->n_segs && (!oldest || u->segs[0].newest_ns < oldest->segs[0].newest_ns))
			oldest = u;
	}
	return oldest;
}

static int expire_total(struct store *st)
{
	struct store_user *u;
	uint64_t total;
	int err = 0;

	while (!err && (u = oldest_user(st, &total)) && total > st->max_total_bytes)
		err = drop_segment(st, u, 0);
	return err;
}

static int sync_dir(const struct store *st, uint32_t uid)
{
	int fd = user_dir(st, uid), err;

	if (fd < 0)
		return fd;
	err = fileio.fsync(fd) ? -errno : 0;
	close(fd);
	return err;
}

static void keep_first_error(int *err, int e)
{
	if (!*err)
		*err = e;
}

int store_enforce_retention(struct store *st)
{
	int64_t cutoff_ns = clock_wall_ns() - st->retention_ns;
	int err = 0;

	for (size_t i = 0; i < st->n_users; i++)
		keep_first_error(&err, expire_user(st, st->users[i], cutoff_ns));
	if (st->max_total_bytes)
		keep_first_error(&err, expire_total(st));
	/* The unlinks must be durable: deleted data must not come back after a crash. */
	for (size_t i = 0; i < st->n_users; i++) {
		struct store_user *u = st->users[i];

		if (u->unlinked)
			keep_first_error(&err, sync_dir(st, u->uid));
		u->unlinked = false;
	}
	return err;
}

void store_set_retention(struct store *st, int64_t retention_ns)
{
	st->retention_ns = retention_ns;
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
	const uint8_t *key; /* NULL: none, and no_key says why */
	const char *no_key;
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
	if (!rc->key) {
		read_corrupt(rc, 0, rc->no_key);
		return 0;
	}
	fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno; /* ENOENT: forgotten meanwhile */
	ret = seg_read_fd(rd, fd, uid, rc->key, &cb);
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

/* A user without a usable key still has segments: each is reported, none can be read. */
static int read_user_key(const char *key_dir, uint32_t uid, uint8_t **key, struct read_ctx *rc)
{
	struct keyring *kr;
	int err = keyring_open(&kr, key_dir, false);

	if (err)
		return err;
	*key = sodium_malloc(KEY_SIZE); /* locked, and wiped when freed */
	err = *key ? keyring_user_key(kr, uid, false, *key) : -ENOMEM;
	keyring_close(kr);
	if (err == -ENOENT)
		rc->no_key = "undecryptable segment: the user's key was destroyed";
	else if (err == -EBADMSG)
		rc->no_key = "undecryptable segment: the user's key does not open";
	else if (!err)
		rc->key = *key;
	return err == -ENOENT || err == -EBADMSG ? 0 : err;
}

int store_read_user(const char *data_dir, const char *key_dir, uint32_t uid, int64_t since_ns,
		    int64_t until_ns, const struct store_read_cb *cb)
{
	struct read_ctx rc = { .cb = cb, .since_ns = since_ns, .until_ns = until_ns };
	char name[UID_NAME_SIZE], dir_path[PATH_MAX];
	uint8_t *key = NULL;
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
	ret = read_user_key(key_dir, uid, &key, &rc);
	if (!ret)
		ret = read_user_dir(dir_fd, dir_path, uid, &rc);
	sodium_free(key);
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

int store_list_users(const char *data_dir, uint32_t **out)
{
	DIR *dir = opendir(data_dir);
	uint32_t *uids = NULL, uid;
	struct dirent *de;
	size_t n = 0, cap = 0;
	int err = 0;

	if (!dir)
		return -errno;
	while (!err && (de = readdir(dir))) {
		if (!parse_uid(de->d_name, &uid) || !is_dir(dirfd(dir), de->d_name))
			continue;
		if (n == cap) {
			uint32_t *more =
				reallocarray(uids, cap = cap ? 2 * cap : 64, sizeof(*uids));

			if (!more) {
				err = -ENOMEM;
				break;
			}
			uids = more;
		}
		uids[n++] = uid;
	}
	closedir(dir);
	if (err || n > INT_MAX) {
		free(uids);
		return err ?: -EOVERFLOW;
	}
	if (n) /* qsort's base must not be NULL, even for no element */
		qsort(uids, n, sizeof(*uids), cmp_u32);
	*out = uids;
	return (int)n;
}
