// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The store, in a temporary directory: round trips, rotation, time filters, discard and forget,
 * permissions, damaged and torn segments, write/fsync failures injected through fileio,
 * encryption (no plaintext on disk, forgotten users unreadable), repair at open and retention.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "check.h"
#include "fileio.h"
#include "keys.h"
#include "segment.h"
#include "share.h"
#include "store.h"

#define UID_A	    1000
#define UID_B	    1001
#define TS0	    1700000000000000000ll
#define TS_STEP	    1000000 /* 1 ms between records */
#define MAX_READ    5000
#define MAX_REPORTS 8
#define N_DEVICES   4

static char tmp_root[64];
static char data_dir[96];
static char key_dir[96];
static struct evtap_device devices[N_DEVICES];

/* The i-th record of uid's test stream: every kind in turn, each event on one of the devices. */
static struct evtap_record stream_rec(uint32_t uid, int i)
{
	static const uint8_t kinds[] = { EVTAP_KIND_KEY,   EVTAP_KIND_BUTTON, EVTAP_KIND_MOTION,
					 EVTAP_KIND_WHEEL, EVTAP_KIND_ABS,    EVTAP_KIND_KEYCLASS,
					 EVTAP_KIND_KEY,   EVTAP_KIND_COUNTS };
	struct evtap_record r;

	memset(&r, 0, sizeof(r));
	r.uid = uid;
	r.ts_ns = TS0 + (int64_t)i * TS_STEP;
	r.kind = kinds[i % 8];
	if (r.kind == EVTAP_KIND_COUNTS) {
		r.counts.interval_ms = (uint32_t)i;
		r.counts.keys[EVTAP_CLASS_DIGIT] = (uint64_t)i * 3;
		return r;
	}
	r.dev = (uint32_t)(1 + i % (N_DEVICES - 1));
	r.value = i * 7 - 1000;
	if (r.kind == EVTAP_KIND_MOTION || r.kind == EVTAP_KIND_WHEEL)
		r.value2 = -i;
	else
		r.code = (uint16_t)(i % EVTAP_CLASS_MAX);
	return r;
}

static void append_stream(struct store *st, uint32_t uid, int first, int count)
{
	for (int i = first; i < first + count; i++) {
		struct evtap_record r = stream_rec(uid, i);

		CHECK_EQ(store_append(st, &r, r.kind == EVTAP_KIND_COUNTS ? NULL : &devices[r.dev]),
			 0);
	}
}

static bool same_record(const struct evtap_record *a, const struct evtap_record *b)
{
	return a->ts_ns == b->ts_ns && a->uid == b->uid && a->dev == b->dev && a->kind == b->kind &&
	       a->code == b->code && a->value == b->value && a->value2 == b->value2 &&
	       a->counts.interval_ms == b->counts.interval_ms &&
	       !memcmp(a->counts.keys, b->counts.keys, sizeof(a->counts.keys));
}

/* What a read delivered. */
struct readback {
	int ret;
	size_t n;
	struct evtap_record recs[MAX_READ];
	size_t with_device;
	size_t wrong_device;
	size_t reports;
	char report_file[MAX_REPORTS][PATH_MAX];
	uint64_t report_off[MAX_REPORTS];
	char report_why[MAX_REPORTS][128];
};

static int collect_record(void *ctx, const struct evtap_record *rec, const struct evtap_device *dev)
{
	struct readback *rb = ctx;

	if (rb->n < MAX_READ)
		rb->recs[rb->n] = *rec;
	rb->n++;
	if (dev) {
		rb->with_device++;
		if (dev->index != rec->dev || dev->index >= N_DEVICES ||
		    strcmp(dev->name, devices[dev->index].name))
			rb->wrong_device++;
	}
	return 0;
}

static void collect_corrupt(void *ctx, const char *file, uint64_t offset, const char *why)
{
	struct readback *rb = ctx;

	if (rb->reports < MAX_REPORTS) {
		snprintf(rb->report_file[rb->reports], PATH_MAX, "%s", file);
		rb->report_off[rb->reports] = offset;
		snprintf(rb->report_why[rb->reports], 128, "%s", why);
	}
	rb->reports++;
}

static struct readback *read_range(uint32_t uid, int64_t since, int64_t until)
{
	struct readback *rb = calloc(1, sizeof(*rb));
	struct store_read_cb cb = { .record = collect_record,
				    .corrupt = collect_corrupt,
				    .ctx = rb };

	rb->ret = store_read_user(data_dir, key_dir, uid, since, until, &cb);
	return rb;
}

static struct readback *read_all(uint32_t uid)
{
	return read_range(uid, INT64_MIN, INT64_MAX);
}

/* Every event record came with its device's identity, and the right one. */
static void check_devices(const struct readback *rb)
{
	size_t events = 0;

	for (size_t k = 0; k < rb->n && k < MAX_READ; k++)
		events += rb->recs[k].kind != EVTAP_KIND_COUNTS;
	CHECK_EQ(rb->with_device, events);
	CHECK_EQ(rb->wrong_device, 0);
}

/* rb holds exactly records [first, first + count) of uid's stream, undamaged. */
static void check_stream(const struct readback *rb, uint32_t uid, int first, int count)
{
	struct evtap_record want;

	CHECK_EQ(rb->ret, 0);
	CHECK_EQ(rb->reports, 0);
	CHECK_EQ(rb->n, count);
	for (int k = 0; k < count && k < (int)rb->n; k++) {
		want = stream_rec(uid, first + k);
		CHECK(same_record(&rb->recs[k], &want), "record %d", k);
	}
	check_devices(rb);
}

/* rb holds records [0, total) of uid's stream but for one run; returns the run's length. */
static size_t check_one_gap(const struct readback *rb, uint32_t uid, int total)
{
	size_t missing = (size_t)total - rb->n, k = 0;
	struct evtap_record want;

	CHECK(rb->n <= (size_t)total, "%zu records, of %d", rb->n, total);
	for (; k < rb->n; k++) {
		want = stream_rec(uid, (int)k);
		if (!same_record(&rb->recs[k], &want))
			break;
	}
	for (; k < rb->n; k++) {
		want = stream_rec(uid, (int)(k + missing));
		CHECK(same_record(&rb->recs[k], &want), "record %zu", k);
	}
	check_devices(rb);
	return missing;
}

static struct store *open_store_with(const struct store_opts *opts)
{
	struct store *st = NULL;
	int err = store_open(&st, data_dir, key_dir, opts);

	if (err) {
		printf("  cannot open the store in %s: %s\n", data_dir, strerror(-err));
		exit(1);
	}
	return st;
}

static struct store *open_store(size_t segment_bytes, size_t block_bytes)
{
	struct store_opts opts = { .segment_bytes = segment_bytes, .block_bytes = block_bytes };

	return open_store_with(&opts);
}

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	return remove(path);
}

static void fresh_dir(void)
{
	snprintf(tmp_root, sizeof(tmp_root), "/tmp/evtap-store-XXXXXX");
	if (!mkdtemp(tmp_root)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(data_dir, sizeof(data_dir), "%s/data", tmp_root);
	snprintf(key_dir, sizeof(key_dir), "%s/keys", tmp_root);
}

static void remove_dir(void)
{
	nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void user_path(uint32_t uid, char *path)
{
	snprintf(path, PATH_MAX, "%s/%u", data_dir, uid);
}

/* The seqs of uid's segments; returns how many. */
static size_t list_segments(uint32_t uid, uint64_t **seqs)
{
	char path[PATH_MAX];
	size_t count = 0;
	int fd;

	*seqs = NULL;
	user_path(uid, path);
	fd = open(path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return 0;
	CHECK_EQ(seg_list(fd, seqs, &count), 0);
	close(fd);
	return count;
}

static size_t count_segments(uint32_t uid)
{
	uint64_t *seqs;
	size_t count = list_segments(uid, &seqs);

	free(seqs);
	return count;
}

static void segment_path(uint32_t uid, size_t nth, char *path)
{
	char dir[PATH_MAX], name[SEG_NAME_SIZE];
	uint64_t *seqs;
	size_t count = list_segments(uid, &seqs);

	CHECK(nth < count, "no segment %zu", nth);
	seg_name(name, nth < count ? seqs[nth] : 0);
	user_path(uid, dir);
	snprintf(path, PATH_MAX + SEG_NAME_SIZE, "%s/%s", dir, name);
	free(seqs);
}

static uint8_t *read_file(const char *path, size_t *len)
{
	struct stat sb;
	uint8_t *buf;
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 0 && !fstat(fd, &sb), "%s", path);
	*len = fd >= 0 ? (size_t)sb.st_size : 0;
	buf = malloc(*len + 1);
	CHECK_EQ(read(fd, buf, *len), *len);
	close(fd);
	return buf;
}

static void write_file(const char *path, const uint8_t *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	CHECK_EQ(write(fd, buf, len), len);
	close(fd);
}

/* Calls fn on every regular file under dir (the data or key dir); returns how many. */
static size_t for_each_file(const char *dir,
			    void (*fn)(const char *path, const uint8_t *buf, size_t len, void *ctx),
			    void *ctx)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t n = 0, len;
	uint8_t *buf;

	CHECK(d, "%s", dir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR) {
			n += for_each_file(path, fn, ctx);
			continue;
		}
		buf = read_file(path, &len);
		fn(path, buf, len, ctx);
		free(buf);
		n++;
	}
	if (d)
		closedir(d);
	return n;
}

/* The offsets of a segment's blocks, found by following the length fields. */
static size_t block_offsets(const uint8_t *seg, size_t len, uint64_t *offs, size_t max)
{
	uint64_t off = SEG_HEADER_SIZE;
	size_t n = 0;

	while (off + SEG_BLOCK_HEADER_SIZE <= len && n < max) {
		offs[n++] = off;
		off += SEG_BLOCK_HEADER_SIZE + get_le32(seg + off + 4);
	}
	return n;
}

/* Fault injection: the counters say how many of the next calls fail. */
static struct fileio real_io;
static int writes_to_fail, fsyncs_to_fail, truncates_to_fail, write_errno;
static bool short_next_write;

static ssize_t faulty_write(int fd, const void *buf, size_t len)
{
	if (short_next_write && len > 1) {
		short_next_write = false;
		return real_io.write(fd, buf, len / 2);
	}
	if (writes_to_fail > 0) {
		writes_to_fail--;
		errno = write_errno;
		return -1;
	}
	return real_io.write(fd, buf, len);
}

static int fsyncs_seen;

static int faulty_fsync(int fd)
{
	fsyncs_seen++;
	if (fsyncs_to_fail > 0) {
		fsyncs_to_fail--;
		errno = EIO;
		return -1;
	}
	return real_io.fsync(fd);
}

static int faulty_ftruncate(int fd, off_t len)
{
	if (truncates_to_fail > 0) {
		truncates_to_fail--;
		errno = EIO;
		return -1;
	}
	return real_io.ftruncate(fd, len);
}

static void test_two_users_round_trip(void)
{
	const struct store_stats *ss;
	struct readback *rb;
	struct store *st;

	fresh_dir();
	st = open_store(0, 0);
	for (int i = 0; i < 500; i++) {
		append_stream(st, UID_A, i, 1);
		append_stream(st, UID_B, i, 1);
	}
	CHECK_EQ(store_stats(st)->records_persisted, 0);
	CHECK_EQ(store_flush(st), 0);
	ss = store_stats(st);
	CHECK_EQ(ss->records_persisted, 1000);
	CHECK_EQ(ss->blocks_persisted, 2);
	CHECK(ss->bytes_persisted > 2 * SEG_BLOCK_HEADER_SIZE);
	for (int i = 0; i < STORE_LOSS_MAX; i++)
		CHECK_EQ(ss->unpersisted[i], 0);
	store_close(st);
	rb = read_all(UID_A);
	check_stream(rb, UID_A, 0, 500);
	free(rb);
	rb = read_all(UID_B);
	check_stream(rb, UID_B, 0, 500);
	free(rb);
	remove_dir();
}

static void test_rotation_and_reopen(void)
{
	struct readback *rb;
	struct store *st;
	size_t segments;

	fresh_dir();
	st = open_store(4096, 512);
	append_stream(st, UID_A, 0, 3000);
	CHECK_EQ(store_flush(st), 0);
	CHECK_EQ(store_stats(st)->records_persisted, 3000);
	store_close(st);
	segments = count_segments(UID_A);
	CHECK(segments >= 3, "%zu segments", segments);
	/* A daemon restart starts a new segment: device indexes are only valid within one. */
	st = open_store(4096, 512);
	append_stream(st, UID_A, 3000, 10);
	store_close(st);
	CHECK_EQ(count_segments(UID_A), segments + 1);
	rb = read_all(UID_A);
	check_stream(rb, UID_A, 0, 3010);
	free(rb);
	remove_dir();
}

static void test_since_until(void)
{
	struct readback *rb;
	struct store *st;

	fresh_dir();
	st = open_store(0, 0);
	append_stream(st, UID_A, 0, 100);
	store_close(st);
	rb = read_range(UID_A, TS0 + 10 * TS_STEP, TS0 + 20 * TS_STEP);
	check_stream(rb, UID_A, 10, 10);
	free(rb);
	rb = read_range(UID_A, TS0 + 95 * TS_STEP, INT64_MAX);
	check_stream(rb, UID_A, 95, 5);
	free(rb);
	rb = read_range(UID_A, INT64_MIN, TS0);
	check_stream(rb, UID_A, 0, 0);
	free(rb);
	remove_dir();
}

static void test_discard_drops_only_that_users_unflushed_records(void)
{
	struct readback *rb;
	struct store *st;

	fresh_dir();
	st = open_store(0, 0);
	append_stream(st, UID_A, 0, 100);
	append_stream(st, UID_B, 0, 100);
	CHECK_EQ(store_flush(st), 0);
	append_stream(st, UID_A, 100, 50);
	append_stream(st, UID_B, 100, 50);
	store_discard(st, UID_A);
	CHECK_EQ(store_stats(st)->unpersisted[STORE_LOSS_DISCARDED], 50);
	CHECK_EQ(store_flush(st), 0);
	CHECK_EQ(store_stats(st)->records_persisted, 250);
	store_close(st);
	rb = read_all(UID_A);
	check_stream(rb, UID_A, 0, 100);
	free(rb);
	rb = read_all(UID_B);
	check_stream(rb, UID_B, 0, 150);
	free(rb);
	remove_dir();
}

/* Full blocks are written before the flush: a discard cuts them off the segment too. */
static void test_discard_cuts_written_blocks(void)
{
	struct readback *rb;
	struct store *st;

	fresh_dir();
	st = open_store(0, 256);
	append_stream(st, UID_A, 0, 100);
	CHECK_EQ(store_flush(st), 0);
	append_stream(st, UID_A, 100, 300);
	store_discard(st, UID_A);
	CHECK_EQ(store_stats(st)->unpersisted[STORE_LOSS_DISCARDED], 300);
	CHECK_EQ(store_flush(st), 0);
	CHECK_EQ(store_stats(st)->records_persisted, 100);
	append_stream(st, UID_A, 400, 10);
	store_close(st);
	rb = read_all(UID_A);
	CHECK_EQ(rb->ret, 0);
	CHECK_EQ(rb->reports, 0);
	CHECK_EQ(check_one_gap(rb, UID_A, 410), 300);
	free(rb);
	remove_dir();
}

static void test_forget_removes_the_user(void)
{
	char path[PATH_MAX];
	struct readback *rb;
	struct store *st;
	uint32_t *uids = NULL;
	struct stat sb;

	fresh_dir();
	st = open_store(0, 0);
	append_stream(st, UID_A, 0, 100);
	append_stream(st, UID_B, 0, 100);
	CHECK_EQ(store_flush(st), 0);
	append_stream(st, UID_A, 100, 5);
	CHECK_EQ(store_forget(st, UID_A), 0);
	CHECK_EQ(store_stats(st)->unpersisted[STORE_LOSS_DISCARDED], 5);
	user_path(UID_A, path);
	CHECK(stat(path, &sb) && errno == ENOENT, "%s still exists", path);
	CHECK_EQ(store_list_users(data_dir, &uids), 1);
	CHECK_EQ(uids[0], UID_B);
	free(uids);
	rb = read_all(UID_A);
	check_stream(rb, UID_A, 0, 0);
	free(rb);
	CHECK_EQ(store_forget(st, UID_A), 0);
	/* A user who comes back starts afresh. */
	append_stream(st, UID_A, 0, 10);
	store_close(st);
	rb = read_all(UID_A);
	check_stream(rb, UID_A, 0, 10);
	free(rb);
	rb = read_all(UID_B);
	check_stream(rb, UID_B, 0, 100);
	free(rb);
	remove_dir();
}

static void check_private(const char *path, bool dir)
{
	struct stat sb;

	CHECK(!lstat(path, &sb), "%s", path);
	CHECK(dir ? S_ISDIR(sb.st_mode) : S_ISREG(sb.st_mode), "%s", path);
	CHECK((sb.st_mode & 077) == 0, "%s: mode %o", path, sb.st_mode & 0777);
}

static void check_private_file(const char *path, const uint8_t *buf, size_t len, void *ctx)
{
	check_private(path, false);
}

static void test_permissions_despite_umask(void)
{
	char path[PATH_MAX + SEG_NAME_SIZE];
	mode_t old = umask(0);
	struct store *st;

	fresh_dir();
	st = open_store(1024, 256);
	append_stream(st, UID_A, 0, 1000);
	store_close(st);
	umask(old);
	check_private(data_dir, true);
	check_private(key_dir, true);
	for_each_file(key_dir, check_private_file, NULL);
	user_path(UID_A, path);
	check_private(path, true);
	CHECK(count_segments(UID_A) >= 2);
	for (size_t i = 0; i < count_segments(UID_A); i++) {
		segment_path(UID_A, i, path);
		check_private(path, false);
	}
	remove_dir();
}

static void test_list_users(void)
{
	char path[PATH_MAX + 8];
	struct store *st;
	uint32_t *uids = NULL;

	fresh_dir();
	st = open_store(0, 0);
	append_stream(st, 1002, 0, 1);
	append_stream(st, 7, 0, 1);
	append_stream(st, UID_A, 0, 1);
	store_close(st);
	/* Only directories named as store_open names them are users. */
	snprintf(path, sizeof(path), "%s/007", data_dir);
	CHECK_EQ(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/tmp", data_dir);
	CHECK_EQ(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/1234", data_dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	CHECK_EQ(store_list_users(data_dir, &uids), 3);
	CHECK(uids[0] == 7 && uids[1] == UID_A && uids[2] == 1002);
	free(uids);
	CHECK_EQ(store_list_users("/nonexistent/evtap", &uids), -ENOENT);
	remove_dir();
}

/* One segment of uid A's first n records, in blocks of about 256 bytes; its path in path. */
static void write_blocks(int n, char *path)
{
	struct store *st;

	fresh_dir();
	st = open_store(0, 256);
	append_stream(st, UID_A, 0, n);
	store_close(st);
	CHECK_EQ(count_segments(UID_A), 1);
	segment_path(UID_A, 0, path);
}

static void test_damaged_blocks_are_reported_and_skipped(void)
{
	char path[PATH_MAX + SEG_NAME_SIZE];
	uint64_t offs[256], crc_hit, magic_hit;
	struct readback *rb;
	uint8_t *seg;
	size_t len, n;

	write_blocks(1000, path);
	seg = read_file(path, &len);
	n = block_offsets(seg, len, offs, 256);
	CHECK(n >= 8, "%zu blocks", n);
	/* A byte of a payload: the checksum catches it. */
	crc_hit = offs[n / 2];
	seg[crc_hit + SEG_BLOCK_HEADER_SIZE + get_le32(seg + crc_hit + 4) / 2] ^= 0x20;
	write_file(path, seg, len);
	rb = read_all(UID_A);
	CHECK_EQ(rb->ret, 0);
	CHECK_EQ(rb->reports, 1);
	CHECK(!strcmp(rb->report_file[0], path), "%s", rb->report_file[0]);
	CHECK_EQ(rb->report_off[0], crc_hit);
	CHECK(strstr(rb->report_why[0], "checksum"), "%s", rb->report_why[0]);
	CHECK(check_one_gap(rb, UID_A, 1000) > 0);
	free(rb);
	/* A byte of the first block's length and of another's magic: resync finds the rest. */
	magic_hit = offs[2];
	seg[magic_hit] ^= 0x01;
	seg[offs[0] + 5] ^= 0x40;
	write_file(path, seg, len);
	rb = read_all(UID_A);
	CHECK_EQ(rb->reports, 3);
	CHECK(rb->report_off[0] == offs[0] && rb->report_off[1] == magic_hit &&
	      rb->report_off[2] == crc_hit);
	CHECK(strstr(rb->report_why[1], "magic"), "%s", rb->report_why[1]);
	CHECK(rb->n > 500 && rb->n < 1000, "%zu records", rb->n);
	free(rb);
	free(seg);
	remove_dir();
}

static void test_torn_tail_is_reported(void)
{
	char path[PATH_MAX + SEG_NAME_SIZE];
	uint64_t offs[256], last;
	struct readback *rb;
	uint8_t *seg;
	size_t len, n;

	write_blocks(1000, path);
	seg = read_file(path, &len);
	n = block_offsets(seg, len, offs, 256);
	last = offs[n - 1];
	CHECK_EQ(truncate(path, (off_t)(last + SEG_BLOCK_HEADER_SIZE + 10)), 0);
	rb = read_all(UID_A);
	CHECK_EQ(rb->ret, 0);
	CHECK_EQ(rb->reports, 1);
	CHECK_EQ(rb->report_off[0], last);
	CHECK(strstr(rb->report_why[0], "torn tail"), "%s", rb->report_why[0]);
	CHECK(check_one_gap(rb, UID_A, 1000) > 0);
	CHECK(rb->n > 0 && rb->recs[rb->n - 1].ts_ns == TS0 + (int64_t)(rb->n - 1) * TS_STEP,
	      "the records before the torn block are all there");
	free(rb);
	/* Torn inside the block header. */
	CHECK_EQ(truncate(path, (off_t)(last + 5)), 0);
	rb = read_all(UID_A);
	CHECK(rb->reports == 1 && rb->report_off[0] == last);
	CHECK(strstr(rb->report_why[0], "torn tail"), "%s", rb->report_why[0]);
	free(rb);
	free(seg);
	remove_dir();
}

/* Walks path raw from its first block; returns the blocks given, and where it stopped. */
static size_t walk_raw(const char *path, uint64_t *offs, size_t max, uint64_t *stop, int *last)
{
	struct seg_reader *rd = seg_reader_new();
	struct seg_raw_block b;
	const char *why = NULL;
	uint64_t seq = 0, off = SEG_HEADER_SIZE;
	size_t n = 0;
	int fd = open(path, O_RDONLY);

	CHECK_EQ(seg_raw_open(rd, fd, UID_A, &seq, &why), 0);
	CHECK_EQ(seq, 0);
	while ((*last = seg_raw_next(rd, off, &b)) != 0 && n < max) {
		if (*last == -EBADMSG) {
			off = b.offset;
			continue;
		}
		CHECK_EQ(*last, 1);
		if (*last != 1)
			break;
		CHECK_EQ(get_le32(b.data), SEG_BLOCK_MAGIC);
		offs[n++] = b.offset;
		off = b.offset + b.len;
	}
	*stop = off;
	close(fd);
	seg_reader_free(rd);
	return n;
}

static void test_raw_walk_gives_whole_blocks_only(void)
{
	char path[PATH_MAX + SEG_NAME_SIZE];
	uint64_t offs[256], raw[256], stop;
	uint8_t *seg;
	size_t len, n;
	int last;

	write_blocks(1000, path);
	seg = read_file(path, &len);
	n = block_offsets(seg, len, offs, 256);
	CHECK_EQ(walk_raw(path, raw, 256, &stop, &last), n);
	CHECK(!memcmp(raw, offs, n * sizeof(*raw)));
	CHECK_EQ(stop, len);
	/* A block being written (here: cut short) is waited for, not given. */
	CHECK_EQ(truncate(path, (off_t)(len - 7)), 0);
	CHECK_EQ(walk_raw(path, raw, 256, &stop, &last), n - 1);
	CHECK_EQ(stop, offs[n - 1]);
	/* Damage with whole blocks after it is skipped: one block fewer. */
	seg[offs[1] + SEG_BLOCK_HEADER_SIZE + 3] ^= 0x10;
	write_file(path, seg, len);
	CHECK_EQ(walk_raw(path, raw, 256, &stop, &last), n - 1);
	CHECK(raw[0] == offs[0] && raw[1] == offs[2]);
	free(seg);
	remove_dir();
}

static void test_shared_store_modes(void)
{
	struct store_share sh = { .gid = getgid() };
	struct store_opts opts = { .share = &sh };
	unsigned char sk[crypto_box_SECRETKEYBYTES], plain[KEY_SEALED_PLAIN_SIZE];
	char path[PATH_MAX + SEG_NAME_SIZE], kpath[PATH_MAX + SEG_NAME_SIZE + 16];
	uint8_t *sealed;
	struct stat sb;
	struct store *st;
	size_t len;

	crypto_box_keypair(sh.custodian_pk, sk);
	fresh_dir();
	st = open_store_with(&opts);
	append_stream(st, UID_A, 0, 10);
	store_close(st);
	CHECK(!stat(data_dir, &sb) && (sb.st_mode & 0777) == 0750);
	user_path(UID_A, path);
	CHECK(!stat(path, &sb) && (sb.st_mode & 0777) == 0750);
	snprintf(kpath, sizeof(kpath), "%s/%s", path, SHARE_KEY_NAME);
	segment_path(UID_A, 0, path);
	CHECK(!stat(path, &sb) && (sb.st_mode & 0777) == 0640);
	CHECK(!stat(kpath, &sb) && (sb.st_mode & 0777) == 0640);
	sealed = read_file(kpath, &len);
	CHECK_EQ(len, KEY_SEALED_SIZE);
	CHECK_EQ(crypto_box_seal_open(plain, sealed, len, sh.custodian_pk, sk), 0);
	CHECK(!memcmp(plain, KEY_SEALED_MAGIC, 4) && plain[4] == KEY_SEALED_VERSION);
	CHECK_EQ(get_le32(plain + 5), UID_A);
	CHECK(!stat(key_dir, &sb) && (sb.st_mode & 0777) == 0700, "the key dir stays private");
	free(sealed);
	remove_dir();
}

/* The durable position as the shipper reads it: "SEQ OFF"; "" when there is none. */
static void read_durable(char *out, size_t len)
{
	uint64_t seq, off;
	char path[PATH_MAX];
	int fd, err;

	user_path(UID_A, path);
	fd = open(path, O_RDONLY | O_DIRECTORY);
	err = fd < 0 ? -errno : share_durable_read(fd, &seq, &off);
	if (fd >= 0)
		close(fd);
	if (err)
		snprintf(out, len, "%s", err == -ENOENT ? "" : "bad");
	else
		snprintf(out, len, "%llu %llu", (unsigned long long)seq, (unsigned long long)off);
}

static uint64_t file_size(uint32_t uid, size_t nth)
{
	char path[PATH_MAX + SEG_NAME_SIZE];
	struct stat sb;

	segment_path(uid, nth, path);
	return stat(path, &sb) ? 0 : (uint64_t)sb.st_size;
}

/*
 * Fleet mode: the durable position follows each fsync, and nothing else. Blocks written but
 * not fsync'ed are beyond it, a discard cuts back to it, a new run settles the earlier one;
 * a flush costs no fsync more than without it.
 */
static void test_shared_store_durable_position(void)
{
	struct store_share sh = { .gid = getgid() };
	struct store_opts opts = { .block_bytes = 256, .share = &sh };
	unsigned char sk[crypto_box_SECRETKEYBYTES];
	char pos[64], want[64];
	struct store *st;
	int fsyncs;

	crypto_box_keypair(sh.custodian_pk, sk);
	fresh_dir();
	st = open_store_with(&opts);
	append_stream(st, UID_A, 0, 100);
	read_durable(pos, sizeof(pos));
	CHECK(!strcmp(pos, "0 0"), "a new user: nothing durable yet, got '%s'", pos);
	fsyncs = fsyncs_seen;
	CHECK_EQ(store_flush(st), 0);
	CHECK_EQ(fsyncs_seen - fsyncs, 1);
	snprintf(want, sizeof(want), "0 %llu", (unsigned long long)file_size(UID_A, 0));
	read_durable(pos, sizeof(pos));
	CHECK(!strcmp(pos, want), "after the flush: '%s', expected '%s'", pos, want);
	append_stream(st, UID_A, 100, 300);
	CHECK(file_size(UID_A, 0) > strtoull(want + 2, NULL, 10), "blocks were written");
	read_durable(pos, sizeof(pos));
	CHECK(!strcmp(pos, want), "written, not fsync'ed: still '%s', got '%s'", want, pos);
	CHECK_EQ(store_discard(st, UID_A), 0);
	read_durable(pos, sizeof(pos));
	CHECK(!strcmp(pos, want), "the discard cuts back to it: '%s'", pos);
	CHECK_EQ(file_size(UID_A, 0), strtoull(want + 2, NULL, 10));
	append_stream(st, UID_A, 400, 10);
	store_close(st);
	st = open_store_with(&opts);
	read_durable(pos, sizeof(pos));
	CHECK(!strcmp(pos, "1 0"), "a new run: all of the earlier one, got '%s'", pos);
	store_close(st);
	remove_dir();
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint8_t rng_byte(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint8_t)(rng_state >> 32);
}

struct outcome {
	size_t records;
	size_t reports;
	uint64_t first_report;
};

static int count_record(void *ctx, const struct evtap_record *rec, const struct evtap_device *dev)
{
	((struct outcome *)ctx)->records++;
	return 0;
}

static void count_corrupt(void *ctx, uint64_t offset, const char *why)
{
	struct outcome *o = ctx;

	if (!o->reports++)
		o->first_report = offset;
}

/* uid's key, as the key dir holds it. */
static void user_key(uint32_t uid, uint8_t key[KEY_SIZE])
{
	struct keyring *kr = NULL;

	CHECK_EQ(keyring_open(&kr, key_dir, false), 0);
	CHECK_EQ(kr ? keyring_user_key(kr, uid, false, key) : -1, 0);
	keyring_close(kr);
}

/*
 * Reads uid A's one segment with junk_len bytes of junk inserted before a block. Resync finds
 * the next block past the junk; as each seal is bound to its block's offset, the blocks that
 * moved are reported as undecryptable, each at its new offset, and none is delivered.
 */
static void check_resync_over(size_t junk_len)
{
	char path[PATH_MAX + SEG_NAME_SIZE];
	struct outcome in_mem = { 0 };
	struct seg_read_cb cb = { .record = count_record, .corrupt = count_corrupt };
	uint8_t *seg, *damaged, key[KEY_SIZE];
	uint64_t offs[256], at;
	struct seg_reader *rd;
	struct readback *rb;
	size_t len, n;

	write_blocks(1000, path);
	seg = read_file(path, &len);
	n = block_offsets(seg, len, offs, 256);
	at = offs[n / 2];
	damaged = malloc(len + junk_len);
	memcpy(damaged, seg, at);
	for (size_t i = 0; i < junk_len; i++)
		damaged[at + i] = i < junk_len / 2 ? rng_byte() : 0;
	memcpy(damaged + at + junk_len, seg + at, len - at);
	write_file(path, damaged, len + junk_len);
	rb = read_all(UID_A);
	CHECK_EQ(rb->ret, 0);
	CHECK_EQ(rb->reports, 1 + n - n / 2);
	CHECK_EQ(rb->report_off[0], at);
	CHECK_EQ(rb->report_off[1], at + junk_len);
	CHECK(strstr(rb->report_why[1], "undecryptable"), "%s", rb->report_why[1]);
	CHECK_EQ(check_one_gap(rb, UID_A, 1000), 1000 - rb->n);
	CHECK(rb->n > 0 && rb->n < 1000, "%zu records", rb->n);
	/* The in-memory reader, which the fuzzer drives, sees the same. */
	rd = seg_reader_new();
	cb.ctx = &in_mem;
	user_key(UID_A, key);
	CHECK_EQ(seg_read_mem(rd, damaged, len + junk_len, UID_A, key, &cb), 0);
	CHECK(in_mem.records == rb->n && in_mem.reports == rb->reports &&
	      in_mem.first_report == at);
	/* Nor does it ever attribute another user's segment to this one. */
	in_mem = (struct outcome){ 0 };
	CHECK_EQ(seg_read_mem(rd, damaged, len + junk_len, UID_B, key, &cb), 0);
	CHECK(in_mem.records == 0 && in_mem.reports == 1 && in_mem.first_report == 0);
	seg_reader_free(rd);
	free(rb);
	free(damaged);
	free(seg);
	remove_dir();
}

/*
 * Damage longer than what a reader scans at a time (a block's worth): resync goes on, chunk
 * after chunk, and finds a block whose magic straddles two chunks.
 */
static void test_resync_across_a_long_damaged_stretch(void)
{
	const size_t chunk = SEG_BLOCK_HEADER_SIZE + SEG_PAYLOAD_MAX;

	check_resync_over(3 << 20);
	check_resync_over(chunk - 2); /* 3 bytes of the magic in the first chunk */
}

static void test_write_failure_counts_and_recovers(void)
{
	const struct store_stats *ss;
	struct readback *rb;
	struct store *st;

	fresh_dir();
	st = open_store(0, 256);
	ss = store_stats(st);
	append_stream(st, UID_A, 0, 100);
	CHECK_EQ(store_flush(st), 0);
	/* The disk fills up: blocks fail as appends fill them, and at the flush. */
	writes_to_fail = 1000000;
	write_errno = ENOSPC;
	append_stream(st, UID_A, 100, 300);
	CHECK_EQ(store_flush(st), -ENOSPC);
	CHECK_EQ(ss->unpersisted[STORE_LOSS_NO_SPACE], 300);
	write_errno = EIO;
	append_stream(st, UID_A, 400, 10);
	CHECK_EQ(store_flush(st), -EIO);
	CHECK_EQ(ss->unpersisted[STORE_LOSS_IO], 10);
	writes_to_fail = 0;
	append_stream(st, UID_A, 410, 100);
	CHECK_EQ(store_flush(st), 0);
	CHECK_EQ(ss->records_persisted, 200);
	CHECK_EQ(ss->unpersisted[STORE_LOSS_FSYNC], 0);
	store_close(st);
	rb = read_all(UID_A);
	CHECK_EQ(rb->ret, 0);
	CHECK_EQ(rb->reports, 0);
	CHECK_EQ(check_one_gap(rb, UID_A, 510), 310);
	free(rb);
	remove_dir();
}

static void test_short_write_is_cut_back(void)
{
	char path[PATH_MAX + SEG_NAME_SIZE];
	struct readback *rb;
	struct store *st;
	struct stat sb;
	off_t size;

	fresh_dir();
	st = open_store(0, 0);
	append_stream(st, UID_A, 0, 10);
	CHECK_EQ(store_flush(st), 0);
	segment_path(UID_A, 0, path);
	CHECK_EQ(stat(path, &sb), 0);
	size = sb.st_size;
	short_next_write = true;
	writes_to_fail = 1;
	write_errno = ENOSPC;
	append_stream(st, UID_A, 10, 10);
	CHECK_EQ(store_flush(st), -ENOSPC);
	CHECK_EQ(store_stats(st)->unpersisted[STORE_LOSS_NO_SPACE], 10);
	CHECK_EQ(stat(path, &sb), 0);
	CHECK_EQ(sb.st_size, size);
	append_stream(st, UID_A, 20, 10);
	CHECK_EQ(store_flush(st), 0);
	store_close(st);
	CHECK_EQ(count_segments(UID_A), 1);
	rb = read_all(UID_A);
	CHECK_EQ(rb->reports, 0);
	CHECK_EQ(check_one_gap(rb, UID_A, 30), 10);
	free(rb);
	remove_dir();
}

/* When the partial block cannot be cut off, the segment is retired with a torn tail. */
static void test_uncuttable_short_write_moves_to_a_new_segment(void)
{
	char path[PATH_MAX + SEG_NAME_SIZE];
	struct readback *rb;
	struct store *st;
	struct stat sb;

	fresh_dir();
	st = open_store(0, 0);
	append_stream(st, UID_A, 0, 10);
	CHECK_EQ(store_flush(st), 0);
	segment_path(UID_A, 0, path);
	CHECK_EQ(stat(path, &sb), 0);
	short_next_write = true;
	writes_to_fail = 1;
	truncates_to_fail = 1;
	write_errno = ENOSPC;
	append_stream(st, UID_A, 10, 10);
	CHECK_EQ(store_flush(st), -ENOSPC);
	CHECK_EQ(store_stats(st)->unpersisted[STORE_LOSS_NO_SPACE], 10);
	append_stream(st, UID_A, 20, 10);
	CHECK_EQ(store_flush(st), 0);
	store_close(st);
	CHECK_EQ(count_segments(UID_A), 2);
	rb = read_all(UID_A);
	CHECK_EQ(rb->reports, 1);
	CHECK(!strcmp(rb->report_file[0], path), "%s", rb->report_file[0]);
	CHECK_EQ(rb->report_off[0], sb.st_size);
	CHECK(strstr(rb->report_why[0], "torn tail"), "%s", rb->report_why[0]);
	CHECK_EQ(check_one_gap(rb, UID_A, 30), 10);
	free(rb);
	remove_dir();
}

static void test_fsync_failure_abandons_the_segment(void)
{
	const struct store_stats *ss;
	struct readback *rb;
	struct store *st;
	size_t gap;

	fresh_dir();
	st = open_store(0, 0);
	ss = store_stats(st);
	append_stream(st, UID_A, 0, 10);
	CHECK_EQ(store_flush(st), 0);
	CHECK_EQ(count_segments(UID_A), 1);
	fsyncs_to_fail = 1;
	append_stream(st, UID_A, 10, 10);
	CHECK_EQ(store_flush(st), -EIO);
	CHECK_EQ(ss->unpersisted[STORE_LOSS_FSYNC], 10);
	CHECK_EQ(ss->records_persisted, 10);
	append_stream(st, UID_A, 20, 10);
	CHECK_EQ(store_flush(st), 0);
	CHECK_EQ(ss->records_persisted, 20);
	CHECK_EQ(count_segments(UID_A), 2);
	store_close(st);
	/* The lost block may still be in the file: lost means "not known to be durable". */
	rb = read_all(UID_A);
	CHECK_EQ(rb->reports, 0);
	gap = check_one_gap(rb, UID_A, 30);
	CHECK(gap == 0 || gap == 10, "%zu missing", gap);
	free(rb);
	remove_dir();
}

static void check_no_plaintext(const char *path, const uint8_t *buf, size_t len, void *ctx)
{
	const char *const *secrets = ctx;

	for (; *secrets; secrets++)
		CHECK(!memmem(buf, len, *secrets, strlen(*secrets)), "%s holds '%s'", path,
		      *secrets);
}

/* Every block's payload is sealed: not even zlib can make sense of it without the key. */
static void check_sealed(const char *path, const uint8_t *buf, size_t len, void *ctx)
{
	uint8_t out[4096];
	uint64_t offs[256];
	uLongf out_len;
	size_t n;

	if (!strstr(path, ".seg"))
		return;
	CHECK(len >= SEG_HEADER_SIZE && get_le16(buf + 10) == SEG_FLAG_ENCRYPTED, "%s", path);
	n = block_offsets(buf, len, offs, 256);
	CHECK(n > 0, "%s", path);
	for (size_t i = 0; i < n; i++) {
		out_len = sizeof(out);
		CHECK(uncompress(out, &out_len, buf + offs[i] + SEG_BLOCK_HEADER_SIZE,
				 get_le32(buf + offs[i] + 4)) != Z_OK,
		      "%s: block %zu is plain zlib", path, i);
	}
}

static void test_no_plaintext_on_disk(void)
{
	static const char *const secrets[] = { "SECRET-DEVICE-NAME", "test device", NULL };
	struct evtap_device saved = devices[1];
	struct readback *rb;
	struct store *st;

	fresh_dir();
	snprintf(devices[1].name, sizeof(devices[1].name), "SECRET-DEVICE-NAME");
	st = open_store(4096, 512);
	append_stream(st, UID_A, 0, 2000);
	append_stream(st, UID_B, 0, 10);
	store_close(st);
	CHECK(for_each_file(data_dir, check_no_plaintext, (void *)secrets) >= 3);
	CHECK(for_each_file(key_dir, check_no_plaintext, (void *)secrets) == 3);
	for_each_file(data_dir, check_sealed, NULL);
	rb = read_all(UID_A);
	check_stream(rb, UID_A, 0, 2000);
	free(rb);
	devices[1] = saved;
	remove_dir();
}

static void key_file_path(uint32_t uid, char *path)
{
	snprintf(path, PATH_MAX, "%s/user-%u.key", key_dir, uid);
}

/* A copy of a forgotten user's segments, taken before, opens with nothing left on the host. */
static void test_forget_destroys_the_key(void)
{
	char path[PATH_MAX + SEG_NAME_SIZE], key_path[PATH_MAX];
	uint8_t *copy, key[KEY_SIZE];
	struct keyring *kr = NULL;
	struct readback *rb;
	struct store *st;
	size_t len;

	fresh_dir();
	st = open_store(0, 256);
	append_stream(st, UID_A, 0, 500);
	append_stream(st, UID_B, 0, 10);
	CHECK_EQ(store_flush(st), 0);
	segment_path(UID_A, 0, path);
	copy = read_file(path, &len);
	key_file_path(UID_A, key_path);
	CHECK_EQ(access(key_path, F_OK), 0);
	CHECK_EQ(store_forget(st, UID_A), 0);
	CHECK(access(key_path, F_OK) && errno == ENOENT, "%s survived", key_path);
	store_close(st);
	/* The copy is put back where it was: the reader finds no key to open it with. */
	user_path(UID_A, key_path);
	CHECK_EQ(mkdir(key_path, 0700), 0);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	write_file(path, copy, len);
	rb = read_all(UID_A);
	CHECK_EQ(rb->ret, 0);
	CHECK_EQ(rb->n, 0);
	CHECK(rb->reports == 1 && strstr(rb->report_why[0], "undecryptable"), "%s",
	      rb->report_why[0]);
	free(rb);
	CHECK_EQ(keyring_open(&kr, key_dir, false), 0);
	CHECK_EQ(kr ? keyring_user_key(kr, UID_A, false, key) : 0, -ENOENT);
	keyring_close(kr);
	rb = read_all(UID_B);
	check_stream(rb, UID_B, 0, 10);
	free(rb);
	free(copy);
	remove_dir();
}

/* A block whose checksum holds but whose seal does not open is reported, and only it is lost. */
static void test_unopenable_block_is_reported_and_skipped(void)
{
	char path[PATH_MAX + SEG_NAME_SIZE];
	uint64_t offs[256], hit;
	struct readback *rb;
	uint8_t *seg, *payload;
	size_t len, n;
	uint32_t plen;

	write_blocks(1000, path);
	seg = read_file(path, &len);
	n = block_offsets(seg, len, offs, 256);
	hit = offs[n / 2];
	payload = seg + hit + SEG_BLOCK_HEADER_SIZE;
	plen = get_le32(seg + hit + 4);
	payload[plen / 2] ^= 0x01;
	put_le32(seg + hit + 8, (uint32_t)crc32(0, payload, plen));
	write_file(path, seg, len);
	rb = read_all(UID_A);
	CHECK_EQ(rb->ret, 0);
	CHECK_EQ(rb->reports, 1);
	CHECK(!strcmp(rb->report_file[0], path), "%s", rb->report_file[0]);
	CHECK_EQ(rb->report_off[0], hit);
	CHECK(strstr(rb->report_why[0], "undecryptable"), "%s", rb->report_why[0]);
	CHECK(check_one_gap(rb, UID_A, 1000) > 0);
	free(rb);
	free(seg);
	remove_dir();
}

/* store_open cuts a torn tail, or one whose seal does not open, after the last good block. */
static void check_tail_cut(bool torn)
{
	char path[PATH_MAX + SEG_NAME_SIZE];
	uint64_t offs[256], last;
	struct readback *rb;
	struct store *st;
	struct stat sb;
	uint8_t *seg;
	size_t len, n;

	write_blocks(1000, path);
	seg = read_file(path, &len);
	n = block_offsets(seg, len, offs, 256);
	last = offs[n - 1];
	if (torn) {
		CHECK_EQ(truncate(path, (off_t)(last + SEG_BLOCK_HEADER_SIZE + 3)), 0);
	} else {
		uint8_t *payload = seg + last + SEG_BLOCK_HEADER_SIZE;
		uint32_t plen = get_le32(seg + last + 4);

		payload[plen - 1] ^= 0x80;
		put_le32(seg + last + 8, (uint32_t)crc32(0, payload, plen));
		write_file(path, seg, len);
	}
	st = open_store(0, 256);
	CHECK(!stat(path, &sb) && (uint64_t)sb.st_size == last, "size %lld, want %llu",
	      (long long)sb.st_size, (unsigned long long)last);
	append_stream(st, UID_A, 1000, 10);
	store_close(st);
	rb = read_all(UID_A);
	CHECK_EQ(rb->ret, 0);
	CHECK_EQ(rb->reports, 0);
	CHECK(rb->n > 10 && rb->n < 1010, "%zu records", rb->n);
	free(rb);
	free(seg);
	remove_dir();
}

static void test_damaged_tail_is_cut_at_open(void)
{
	check_tail_cut(true);
	check_tail_cut(false);
}

/*
 * A crash in a segment's first block leaves no block that opens: the header's key id is what
 * proves that the key is the segment's, so the torn block is cut all the same.
 */
static void test_torn_first_block_is_cut_under_its_key(void)
{
	char path[PATH_MAX + SEG_NAME_SIZE];
	struct readback *rb;
	struct stat sb;

	write_blocks(1000, path);
	CHECK_EQ(truncate(path, SEG_HEADER_SIZE + SEG_BLOCK_HEADER_SIZE + 10), 0);
	store_close(open_store(0, 256));
	CHECK(!stat(path, &sb) && sb.st_size == SEG_HEADER_SIZE, "size %lld",
	      (long long)sb.st_size);
	rb = read_all(UID_A);
	CHECK_EQ(rb->reports, 0);
	CHECK_EQ(rb->n, 0);
	free(rb);
	remove_dir();
}

/* Records of uid's stream but with timestamps from now on, so that no retention age drops them. */
static void append_recent(struct store *st, uint32_t uid, int first, int count)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	for (int i = first; i < first + count; i++) {
		struct evtap_record r = stream_rec(uid, i);

		r.ts_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec + (int64_t)i * TS_STEP;
		CHECK_EQ(store_append(st, &r, r.kind == EVTAP_KIND_COUNTS ? NULL : &devices[r.dev]),
			 0);
	}
}

static void replace_key_dir(const char *with)
{
	char old[PATH_MAX];

	snprintf(old, sizeof(old), "%s.old", key_dir);
	CHECK_EQ(rename(key_dir, old), 0);
	CHECK_EQ(rename(with, key_dir), 0);
	CHECK_EQ(rename(old, with), 0);
}

/*
 * The key dir is lost and the daemon restarts twice: the first start makes new keys, the second
 * reads the old segments with them. No block opens, and none is damaged: nothing may be cut,
 * and once the old key dir is back every record reads again. The segment written under the new
 * key meanwhile is reported as another key's, and the rest is still read. Retention, which
 * cannot read their records' age, ages them from their creation (now), not as empty segments.
 */
static void test_lost_key_dir_cuts_nothing(void)
{
	struct store_opts opts = { .block_bytes = 256, .retention_ns = 86400 * 1000000000ll };
	char path[PATH_MAX + SEG_NAME_SIZE], saved[PATH_MAX];
	struct readback *rb;
	struct store *st;
	struct stat sb;
	off_t size;

	fresh_dir();
	st = open_store(0, 256);
	append_stream(st, UID_A, 0, 500);
	store_close(st);
	segment_path(UID_A, 0, path);
	CHECK_EQ(stat(path, &sb), 0);
	size = sb.st_size;
	snprintf(saved, sizeof(saved), "%s.saved", key_dir);
	CHECK_EQ(rename(key_dir, saved), 0);
	st = open_store_with(&opts);
	CHECK_EQ(store_enforce_retention(st), 0);
	store_close(st);
	st = open_store_with(&opts);
	append_recent(st, UID_A, 500, 10);
	CHECK_EQ(store_enforce_retention(st), 0);
	store_close(st);
	CHECK(!stat(path, &sb) && sb.st_size == size, "size %lld, was %lld", (long long)sb.st_size,
	      (long long)size);
	rb = read_all(UID_A);
	CHECK_EQ(rb->ret, 0);
	CHECK(rb->reports == 1 && rb->report_off[0] == 0 && !strcmp(rb->report_file[0], path) &&
		      strstr(rb->report_why[0], "another key"),
	      "%zu reports: %s", rb->reports, rb->report_why[0]);
	CHECK_EQ(rb->n, 10);
	free(rb);
	replace_key_dir(saved);
	rb = read_all(UID_A);
	CHECK_EQ(rb->ret, 0);
	CHECK(rb->reports == 1 && strstr(rb->report_why[0], "another key"), "%zu reports: %s",
	      rb->reports, rb->report_why[0]);
	CHECK_EQ(check_one_gap(rb, UID_A, 510), 10);
	free(rb);
	remove_dir();
}

static void test_retention_by_age(void)
{
	struct store_opts opts = { .segment_bytes = 4096,
				   .block_bytes = 512,
				   .retention_ns = 86400 * 1000000000ll };
	struct readback *rb;
	struct store *st;

	fresh_dir();
	st = open_store_with(&opts);
	append_stream(st, UID_A, 0, 3000); /* in 2023 */
	CHECK_EQ(store_flush(st), 0);
	CHECK(count_segments(UID_A) >= 3);
	/* The open segment stays, whatever its age: it is still being written. */
	CHECK_EQ(store_enforce_retention(st), 0);
	CHECK_EQ(count_segments(UID_A), 1);
	store_close(st);
	/* After a restart, the index is rebuilt from the segments themselves. */
	st = open_store_with(&opts);
	append_recent(st, UID_A, 0, 100);
	CHECK_EQ(store_flush(st), 0);
	CHECK_EQ(store_enforce_retention(st), 0);
	store_close(st);
	rb = read_all(UID_A);
	CHECK_EQ(rb->reports, 0);
	CHECK_EQ(rb->n, 100);
	CHECK(rb->n && rb->recs[0].ts_ns > TS0 + 3000ll * TS_STEP);
	free(rb);
	remove_dir();
}

static uint64_t dir_bytes(const char *dir)
{
	char path[PATH_MAX + 300];
	struct dirent *de;
	uint64_t sum = 0;
	struct stat sb;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_name[0] != '.' && !lstat(path, &sb))
			sum += S_ISDIR(sb.st_mode) ? dir_bytes(path) : (uint64_t)sb.st_size;
	}
	if (d)
		closedir(d);
	return sum;
}

/* What is left of uid's stream [0, total) is its newest records, whole and in order. */
static void check_newest_kept(uint32_t uid, int total)
{
	struct readback *rb = read_all(uid);
	struct evtap_record want;

	CHECK_EQ(rb->ret, 0);
	CHECK_EQ(rb->reports, 0);
	CHECK(rb->n > 0 && rb->n < (size_t)total, "%zu of %d records", rb->n, total);
	want = stream_rec(uid, total - (int)rb->n);
	CHECK(rb->n && same_record(&rb->recs[0], &want), "not the newest records");
	free(rb);
}

static void test_retention_by_size(void)
{
	struct store_opts opts = { .block_bytes = 1024,
				   .max_user_bytes = 64 << 10,
				   .max_total_bytes = 96 << 10 };
	char path[PATH_MAX];
	struct store *st;

	fresh_dir();
	st = open_store_with(&opts);
	for (int i = 0; i < 100; i++) {
		append_stream(st, UID_A, i * 2000, 2000);
		CHECK_EQ(store_flush(st), 0);
		CHECK_EQ(store_enforce_retention(st), 0);
	}
	user_path(UID_A, path);
	CHECK(dir_bytes(path) <= 64 << 10, "%llu bytes", (unsigned long long)dir_bytes(path));
	CHECK(dir_bytes(path) > 32 << 10, "%llu bytes", (unsigned long long)dir_bytes(path));
	/* A second user: together they are held to the total, the oldest segments going first. */
	for (int i = 0; i < 25; i++) {
		append_stream(st, UID_B, i * 2000, 2000);
		CHECK_EQ(store_flush(st), 0);
		CHECK_EQ(store_enforce_retention(st), 0);
	}
	store_close(st);
	CHECK(dir_bytes(data_dir) <= 96 << 10, "%llu bytes",
	      (unsigned long long)dir_bytes(data_dir));
	user_path(UID_B, path);
	CHECK(dir_bytes(path) > 32 << 10, "%llu bytes", (unsigned long long)dir_bytes(path));
	check_newest_kept(UID_A, 200000);
	check_newest_kept(UID_B, 50000);
	remove_dir();
}

static void test_rejects_invalid_input(void)
{
	struct store_opts opts = { .block_bytes = CODEC_BLOCK_MAX };
	struct evtap_record rec = stream_rec(EVTAP_UID_NONE, 0);
	struct store *st;

	fresh_dir();
	CHECK_EQ(store_open(&st, data_dir, key_dir, &opts), -EINVAL);
	st = open_store(0, 0);
	CHECK_EQ(store_append(st, &rec, NULL), -EINVAL);
	rec = stream_rec(UID_A, 0);
	rec.kind = EVTAP_KIND_MAX;
	CHECK_EQ(store_append(st, &rec, NULL), -EINVAL);
	CHECK_EQ(store_flush(st), 0);
	CHECK_EQ(count_segments(UID_A), 0);
	store_close(st);
	remove_dir();
}

/*
 * No fixed number of users, and no descriptor held per user: 5000 users (more than
 * EVTAP_MAX_USERS) open, list and record under a limit of 64 descriptors. What store_append
 * refuses is counted.
 */
static void test_many_users(void)
{
	struct evtap_record bad = stream_rec(EVTAP_UID_NONE, 0);
	struct rlimit saved, low;
	char path[PATH_MAX];
	struct store *st;
	uint32_t *uids;

	fresh_dir();
	CHECK_EQ(mkdir(data_dir, 0700), 0);
	for (uint32_t uid = 10000; uid < 15000; uid++) {
		user_path(uid, path);
		CHECK_EQ(mkdir(path, 0700), 0);
	}
	CHECK_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
	low = saved;
	low.rlim_cur = 64;
	CHECK_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
	st = open_store(0, 0);
	for (uint32_t uid = 10000; uid < 15000; uid += 250)
		append_stream(st, uid, 0, 10);
	CHECK_EQ(store_append(st, &bad, NULL), -EINVAL);
	CHECK_EQ(store_flush(st), 0);
	CHECK_EQ(store_stats(st)->records_persisted, 200);
	CHECK_EQ(store_stats(st)->unpersisted[STORE_LOSS_INVALID], 1);
	store_close(st);
	CHECK_EQ(store_list_users(data_dir, &uids), 5000);
	free(uids);
	setrlimit(RLIMIT_NOFILE, &saved);
	remove_dir();
}

int main(void)
{
	for (uint32_t i = 0; i < N_DEVICES; i++) {
		devices[i] = (struct evtap_device){ .index = i, .bus = 3, .vendor = 0x1d6b };
		devices[i].product = (uint16_t)(0x100 + i);
		devices[i].class = (uint8_t)(i % (EVTAP_DEV_TOUCHPAD + 1));
		snprintf(devices[i].name, sizeof(devices[i].name), "test device %u", i);
	}
	real_io = fileio;
	fileio.write = faulty_write;
	fileio.fsync = faulty_fsync;
	fileio.ftruncate = faulty_ftruncate;
	RUN(test_two_users_round_trip);
	RUN(test_rotation_and_reopen);
	RUN(test_since_until);
	RUN(test_discard_drops_only_that_users_unflushed_records);
	RUN(test_discard_cuts_written_blocks);
	RUN(test_forget_removes_the_user);
	RUN(test_permissions_despite_umask);
	RUN(test_list_users);
	RUN(test_damaged_blocks_are_reported_and_skipped);
	RUN(test_torn_tail_is_reported);
	RUN(test_resync_across_a_long_damaged_stretch);
	RUN(test_write_failure_counts_and_recovers);
	RUN(test_short_write_is_cut_back);
	RUN(test_uncuttable_short_write_moves_to_a_new_segment);
	RUN(test_fsync_failure_abandons_the_segment);
	RUN(test_rejects_invalid_input);
	RUN(test_no_plaintext_on_disk);
	RUN(test_forget_destroys_the_key);
	RUN(test_unopenable_block_is_reported_and_skipped);
	RUN(test_damaged_tail_is_cut_at_open);
	RUN(test_torn_first_block_is_cut_under_its_key);
	RUN(test_lost_key_dir_cuts_nothing);
	RUN(test_retention_by_age);
	RUN(test_retention_by_size);
	RUN(test_raw_walk_gives_whole_blocks_only);
	RUN(test_shared_store_modes);
	RUN(test_shared_store_durable_position);
	RUN(test_many_users);
	CHECK_EXIT();
}
