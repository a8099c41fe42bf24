// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Writes fuzz_segment's seed corpus into the directory given: segments written as the store
 * writes them (blocks cut at a size, sealed, appended), but with fuzz_segment's fixed key
 * rather than a user's random one, and torn and damaged copies of them.
 * `make fuzz-corpus-segment` runs it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "segment.h"
#include "segment_key.h"

#define UID_BLOCKS  1000 /* several blocks, every kind, devices, a clock step back */
#define UID_SMALL   1001 /* one record of each kind in one block */
#define BLOCK_BYTES 200

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

/* A segment of one user being written: its file, its block being built, and the packer. */
struct gen_segment {
	struct seg_writer w;
	struct codec_enc enc;
	struct seg_packer *pk;
	uint32_t uid;
};

static void gen_open(struct gen_segment *g, int dir_fd, uint32_t uid)
{
	g->uid = uid;
	if (seg_create(&g->w, dir_fd, uid, uid, 1700000000000000000, fuzz_segment_key) ||
	    codec_enc_init(&g->enc, BLOCK_BYTES + CODEC_APPEND_MAX) ||
	    seg_packer_new(&g->pk, BLOCK_BYTES + CODEC_APPEND_MAX))
		die("gen_open");
}

static void gen_write_block(struct gen_segment *g)
{
	struct seg_place place = { .uid = g->uid, .seq = g->w.seq, .offset = g->w.size };
	const uint8_t *frame;
	size_t len;

	if (seg_pack(g->pk, g->enc.buf, g->enc.len, fuzz_segment_key, &place, &frame, &len) ||
	    seg_append(&g->w, frame, len))
		die("gen_write_block");
	codec_enc_reset(&g->enc);
}

static void append(struct gen_segment *g, const struct evtap_record *r)
{
	struct evtap_device dev = { .index = r->dev, .bus = 3, .vendor = 0x46d, .product = 0xc52b };

	dev.class = EVTAP_DEV_MOUSE;
	snprintf(dev.name, sizeof(dev.name), "Logitech USB Receiver %u", r->dev);
	if (codec_enc_append(&g->enc, r, &dev))
		die("codec_enc_append");
	if (g->enc.len >= BLOCK_BYTES)
		gen_write_block(g);
}

static void gen_close(struct gen_segment *g)
{
	if (g->enc.records)
		gen_write_block(g);
	seg_close(&g->w);
	codec_enc_free(&g->enc);
	seg_packer_free(g->pk);
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

/* Segment <uid> of each user, in dir_fd; the seq is the uid, to tell the seeds apart. */
static void write_segments(int dir_fd)
{
	int64_t ts = 1700000000000000000;
	struct gen_segment blocks = { 0 }, small = { 0 };
	struct evtap_record r;

	gen_open(&blocks, dir_fd, UID_BLOCKS);
	gen_open(&small, dir_fd, UID_SMALL);
	for (int i = 0; i < 60; i++) {
		ts += i == 30 ? -5000000000 : 1000000 * (i % 7);
		r = record(UID_BLOCKS, i, ts);
		append(&blocks, &r);
	}
	for (int i = 0; i < EVTAP_KIND_MAX - EVTAP_KIND_KEY; i++) {
		r = record(UID_SMALL, i, ts + i);
		append(&small, &r);
	}
	gen_close(&blocks);
	gen_close(&small);
}

static uint8_t *read_segment(int dir_fd, uint32_t uid, size_t *len)
{
	char name[SEG_NAME_SIZE];
	struct stat sb;
	uint8_t *buf;
	int fd;

	seg_name(name, uid);
	fd = openat(dir_fd, name, O_RDONLY);
	if (fd < 0 || fstat(fd, &sb))
		die(name);
	*len = (size_t)sb.st_size;
	buf = malloc(*len);
	if (!buf || read(fd, buf, *len) != (ssize_t)*len)
		die(name);
	close(fd);
	unlinkat(dir_fd, name, 0);
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

int main(int argc, char **argv)
{
	char tmp[] = "/tmp/evtap-corpus-XXXXXX";
	uint8_t *blocks, *small, *raw;
	size_t blocks_len, small_len, raw_len;
	int dir_fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
		return 2;
	}
	if (!mkdtemp(tmp))
		die("mkdtemp");
	dir_fd = open(tmp, O_RDONLY | O_DIRECTORY);
	if (dir_fd < 0)
		die(tmp);
	write_segments(dir_fd);
	blocks = read_segment(dir_fd, UID_BLOCKS, &blocks_len);
	small = read_segment(dir_fd, UID_SMALL, &small_len);
	close(dir_fd);
	rmdir(tmp);
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
