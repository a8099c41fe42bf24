// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Writes fuzz_segment's seed corpus into the directory given: segments written by the store
 * itself, and torn and damaged copies of them. `make fuzz-corpus-segment` runs it.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "segment.h"
#include "store.h"

#define UID_BLOCKS 1000 /* several blocks, every kind, devices, a clock step back */
#define UID_SMALL  1001 /* one record of each kind in one block */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static struct evtap_record record(uint32_t uid, int i, int64_t ts)
{
	struct evtap_record r;

	memset(&r, 0, sizeof(r));
	r.uid = uid;
	r.ts_ns = ts;
	r.kind = (uint8_t)(EVTAP_KIND_KEY + i % (EVTAP_KIND_MAX - EVTAP_KIND_KEY));
	if (r.kind == EVTAP_KIND_COUNTS) {
		r.counts.interval_ms = 60000;
		r.counts.keys[i % EVTAP_CLASS_MAX] = (uint64_t)i * 1000;
		r.counts.motion = UINT64_MAX;
	} else if (r.kind == EVTAP_KIND_DISPLAY) {
		r.display.commits = (uint32_t)i;
		r.display.damage_ppm = 1000000;
	} else {
		r.dev = (uint32_t)(i % 3 ? 4 : 4 + CODEC_DEVICE_SLOTS);
		r.code = (uint16_t)(i % EVTAP_CLASS_MAX);
		r.value = i % 5 ? i : INT32_MIN;
		r.value2 = -i;
	}
	return r;
}

static void append(struct store *st, const struct evtap_record *r)
{
	struct evtap_device dev = { .index = r->dev, .bus = 3, .vendor = 0x46d, .product = 0xc52b };

	dev.class = EVTAP_DEV_MOUSE;
	snprintf(dev.name, sizeof(dev.name), "Logitech USB Receiver %u", r->dev);
	if (store_append(st, r, &dev))
		die("store_append");
}

/* The contents of one block, not framed: the fuzz target also decodes each input as that. */
static uint8_t *encode_block(size_t *len)
{
	static struct codec_enc enc;
	struct evtap_device dev = { .index = 4, .class = EVTAP_DEV_KEYBOARD, .name = "keyboard" };
	struct evtap_record r;

	if (codec_enc_init(&enc, 4096))
		die("codec_enc_init");
	for (int i = 0; i < 2 * (EVTAP_KIND_MAX - EVTAP_KIND_KEY); i++) {
		r = record(UID_SMALL, i, 1700000000000000000 - i * 1000);
		if (codec_enc_append(&enc, &r, r.dev == dev.index ? &dev : NULL))
			die("codec_enc_append");
	}
	*len = enc.len;
	return enc.buf;
}

static void write_store(const char *data_dir)
{
	struct store_opts opts = { .block_bytes = 200 };
	int64_t ts = 1700000000000000000;
	struct evtap_record r;
	struct store *st;

	if (store_open(&st, data_dir, &opts))
		die("store_open");
	for (int i = 0; i < 60; i++) {
		ts += i == 30 ? -5000000000 : 1000000 * (i % 7);
		r = record(UID_BLOCKS, i, ts);
		append(st, &r);
	}
	for (int i = 0; i < EVTAP_KIND_MAX - EVTAP_KIND_KEY; i++) {
		r = record(UID_SMALL, i, ts + i);
		append(st, &r);
	}
	if (store_flush(st))
		die("store_flush");
	store_close(st);
}

static uint8_t *read_segment(const char *data_dir, uint32_t uid, size_t *len)
{
	char path[512], name[SEG_NAME_SIZE];
	struct stat sb;
	uint8_t *buf;
	int fd;

	seg_name(name, 0);
	snprintf(path, sizeof(path), "%s/%u/%s", data_dir, uid, name);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &sb))
		die(path);
	*len = (size_t)sb.st_size;
	buf = malloc(*len);
	if (!buf || read(fd, buf, *len) != (ssize_t)*len)
		die(path);
	close(fd);
	return buf;
}

static void emit(const char *dir, const char *name, const uint8_t *buf, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wx");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
		die(path);
}

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	return remove(path);
}

int main(int argc, char **argv)
{
	char tmp[] = "/tmp/evtap-corpus-XXXXXX", data_dir[64];
	uint8_t *blocks, *small, *raw;
	size_t blocks_len, small_len, raw_len;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
		return 2;
	}
	if (!mkdtemp(tmp))
		die("mkdtemp");
	snprintf(data_dir, sizeof(data_dir), "%s/data", tmp);
	write_store(data_dir);
	blocks = read_segment(data_dir, UID_BLOCKS, &blocks_len);
	small = read_segment(data_dir, UID_SMALL, &small_len);
	nftw(tmp, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	if (mkdir(argv[1], 0755) && errno != EEXIST)
		die(argv[1]);
	emit(argv[1], "blocks", blocks, blocks_len);
	emit(argv[1], "small", small, small_len);
	emit(argv[1], "header-only", small, SEG_HEADER_SIZE);
	emit(argv[1], "torn-block-header", small, SEG_HEADER_SIZE + 9);
	emit(argv[1], "torn-block", blocks, blocks_len - 7);
	blocks[blocks_len / 2] ^= 0x10;
	emit(argv[1], "damaged", blocks, blocks_len);
	raw = encode_block(&raw_len);
	emit(argv[1], "block-contents", raw, raw_len);
	free(raw);
	free(blocks);
	free(small);
	return 0;
}
