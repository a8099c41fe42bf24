// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The block codec: round trips of every kind and of extremes, and a decoder that refuses. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "codec.h"

#define MAX_RECS 64

static struct evtap_record event(int kind, int64_t ts, uint32_t dev, uint16_t code, int32_t value,
				 int32_t value2)
{
	struct evtap_record r;

	memset(&r, 0, sizeof(r));
	r.kind = (uint8_t)kind;
	r.ts_ns = ts;
	r.dev = dev;
	r.code = code;
	r.value = value;
	r.value2 = value2;
	return r;
}

static struct evtap_device device(uint32_t index, const char *name)
{
	struct evtap_device d = { .index = index, .bus = 3, .vendor = 0x046d, .product = 0xc52b };

	d.class = EVTAP_DEV_MOUSE;
	strncpy(d.name, name, sizeof(d.name) - 1);
	return d;
}

static bool same_counts(const struct evtap_counts_rec *a, const struct evtap_counts_rec *b)
{
	return a->interval_ms == b->interval_ms && !memcmp(a->keys, b->keys, sizeof(a->keys)) &&
	       a->clicks == b->clicks && a->motion == b->motion && a->scroll == b->scroll;
}

static bool same_display(const struct evtap_display_rec *a, const struct evtap_display_rec *b)
{
	return a->crtc == b->crtc && a->interval_ms == b->interval_ms && a->commits == b->commits &&
	       a->flips == b->flips && a->damage_events == b->damage_events &&
	       a->damage_ppm == b->damage_ppm;
}

static bool same_record(const struct evtap_record *a, const struct evtap_record *b)
{
	if (a->ts_ns != b->ts_ns || a->uid != b->uid || a->dev != b->dev || a->kind != b->kind ||
	    a->code != b->code || a->value != b->value || a->value2 != b->value2)
		return false;
	if (a->kind == EVTAP_KIND_COUNTS)
		return same_counts(&a->counts, &b->counts);
	if (a->kind == EVTAP_KIND_DISPLAY)
		return same_display(&a->display, &b->display);
	return true;
}

static bool same_device(const struct evtap_device *a, const struct evtap_device *b)
{
	if (!a || !b)
		return a == b;
	return a->index == b->index && a->bus == b->bus && a->vendor == b->vendor &&
	       a->product == b->product && a->class == b->class && !strcmp(a->name, b->name);
}

/* Encodes recs as one block, decodes it and checks every record and device comes back. */
static void round_trip(const struct evtap_record *recs, const struct evtap_device *const *devs,
		       size_t n)
{
	const struct evtap_device *dev;
	struct codec_enc enc;
	struct codec_dec dec;
	struct evtap_record got;

	CHECK_EQ(codec_enc_init(&enc, CODEC_BLOCK_MAX), 0);
	for (size_t i = 0; i < n; i++)
		CHECK_EQ(codec_enc_append(&enc, &recs[i], devs ? devs[i] : NULL), 0);
	CHECK_EQ(codec_dec_start(&dec, enc.buf, enc.len), 0);
	for (size_t i = 0; i < n; i++) {
		CHECK_EQ(codec_dec_next(&dec, &got, &dev), 1);
		CHECK(same_record(&got, &recs[i]), "record %zu differs", i);
		CHECK(same_device(dev, devs ? devs[i] : NULL), "device of record %zu differs", i);
	}
	CHECK_EQ(codec_dec_next(&dec, &got, &dev), 0);
	codec_enc_free(&enc);
}

static void test_every_kind_round_trips(void)
{
	struct evtap_device kbd = device(3, "AT Translated Set 2 keyboard");
	struct evtap_device mouse = device(7, "Logitech USB Receiver");
	const struct evtap_device *devs[8] = { &kbd, &mouse, &mouse, &mouse, &mouse, &kbd };
	struct evtap_record recs[8] = {
		event(EVTAP_KIND_KEY, 1000, 3, 30, 1, 0),
		event(EVTAP_KIND_BUTTON, 1500, 7, 0x110, 0, 0),
		event(EVTAP_KIND_MOTION, 2000, 7, 0, -5, 12),
		event(EVTAP_KIND_WHEEL, 2000, 7, 0, -1, 2),
		event(EVTAP_KIND_ABS, 2100, 7, 0x35, 4095, 0),
		event(EVTAP_KIND_KEYCLASS, 3000, 3, EVTAP_CLASS_DELETE, 1, 0),
		event(EVTAP_KIND_COUNTS, 4000, 0, 0, 0, 0),
		event(EVTAP_KIND_DISPLAY, 5000, 0, 0, 0, 0),
	};

	recs[6].counts = (struct evtap_counts_rec){ .interval_ms = 60000,
						    .keys = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 },
						    .clicks = 12,
						    .motion = 1300,
						    .scroll = 14 };
	recs[7].display = (struct evtap_display_rec){ .crtc = 1,
						      .interval_ms = 1000,
						      .commits = 60,
						      .flips = 59,
						      .damage_events = 30,
						      .damage_ppm = 250000 };
	round_trip(recs, devs, 8);
}

static void test_extremes_round_trip(void)
{
	struct evtap_record recs[] = {
		event(EVTAP_KIND_KEY, INT64_MIN, UINT32_MAX, UINT16_MAX, INT32_MIN, 0),
		event(EVTAP_KIND_MOTION, INT64_MAX, 0, 0, INT32_MAX, INT32_MIN),
		event(EVTAP_KIND_WHEEL, INT64_MIN, 1, 0, INT32_MIN, INT32_MAX),
		event(EVTAP_KIND_ABS, -1, 2, 0, -1, 0),
		event(EVTAP_KIND_ABS, 0, 2, 0, 0, 0),
		event(EVTAP_KIND_ABS, 0, 2, 0, 1, 0),
		event(EVTAP_KIND_BUTTON, 1700000000000000000, 2, 0, 2, 0),
		event(EVTAP_KIND_BUTTON, 1699999999999999999, 2, 0, 0, 0), /* a clock step back */
		event(EVTAP_KIND_COUNTS, INT64_MAX, 0, 0, 0, 0),
		event(EVTAP_KIND_DISPLAY, INT64_MAX, 0, 0, 0, 0),
	};
	struct evtap_counts_rec *c = &recs[8].counts;

	c->interval_ms = UINT32_MAX;
	for (int i = 0; i < EVTAP_CLASS_MAX; i++)
		c->keys[i] = UINT64_MAX - (uint64_t)i;
	c->clicks = c->motion = c->scroll = UINT64_MAX;
	recs[9].display = (struct evtap_display_rec){ UINT32_MAX, UINT32_MAX, UINT32_MAX,
						      UINT32_MAX, UINT32_MAX, UINT32_MAX };
	round_trip(recs, NULL, sizeof(recs) / sizeof(recs[0]));
}

/* The fields a kind does not use are not stored: they read back as zero. */
static void test_unused_fields_read_back_zero(void)
{
	struct evtap_record key = event(EVTAP_KIND_KEY, 10, 1, 30, 1, 77);
	struct evtap_record counts = event(EVTAP_KIND_COUNTS, 10, 9, 9, 9, 9);
	const struct evtap_device *dev;
	struct codec_enc enc;
	struct codec_dec dec;
	struct evtap_record got;

	CHECK_EQ(codec_enc_init(&enc, 4096), 0);
	CHECK_EQ(codec_enc_append(&enc, &key, NULL), 0);
	CHECK_EQ(codec_enc_append(&enc, &counts, NULL), 0);
	CHECK_EQ(codec_dec_start(&dec, enc.buf, enc.len), 0);
	CHECK_EQ(codec_dec_next(&dec, &got, &dev), 1);
	CHECK_EQ(got.value2, 0);
	CHECK_EQ(got.code, 30);
	CHECK_EQ(codec_dec_next(&dec, &got, &dev), 1);
	CHECK(got.dev == 0 && got.code == 0 && got.value == 0 && got.value2 == 0);
	CHECK(dev == NULL);
	codec_enc_free(&enc);
}

/* A device is described once per block, and again in the next block. */
static void test_device_described_once_per_block(void)
{
	struct evtap_device kbd = device(3, "keyboard");
	struct evtap_record key = event(EVTAP_KIND_KEY, 10, 3, 30, 1, 0);
	struct codec_enc enc;
	size_t first, second;

	CHECK_EQ(codec_enc_init(&enc, 4096), 0);
	CHECK_EQ(codec_enc_append(&enc, &key, &kbd), 0);
	first = enc.len;
	CHECK_EQ(codec_enc_append(&enc, &key, &kbd), 0);
	second = enc.len - first;
	CHECK(second < 8, "the second record took %zu bytes: described again", second);
	codec_enc_reset(&enc);
	CHECK_EQ(codec_enc_append(&enc, &key, &kbd), 0);
	CHECK_EQ(enc.len, first);
	codec_enc_free(&enc);
}

/* Devices whose indexes share a decoder slot are described again as they alternate. */
static void test_colliding_devices_keep_their_identity(void)
{
	struct evtap_device a = device(1, "first"), b = device(1 + CODEC_DEVICE_SLOTS, "second");
	struct evtap_device c = device(2, "third");
	const struct evtap_device *devs[6] = { &a, &b, &a, &c, &b, NULL };
	struct evtap_record recs[6];

	for (int i = 0; i < 6; i++)
		recs[i] = event(EVTAP_KIND_KEY, i, devs[i] ? devs[i]->index : 5, 30, 1, 0);
	round_trip(recs, devs, 6);
}

static void test_device_name_bounds(void)
{
	struct evtap_device longest = device(1, ""), unterminated = device(2, ""), empty;
	const struct evtap_device *devs[3] = { &longest, &unterminated, &empty };
	struct evtap_record recs[3];
	struct codec_enc enc;
	struct codec_dec dec;
	const struct evtap_device *dev;
	struct evtap_record got;

	empty = device(3, "");
	memset(longest.name, 'x', EVTAP_DEVICE_NAME_MAX - 1);
	memset(unterminated.name, 'y', EVTAP_DEVICE_NAME_MAX);
	for (int i = 0; i < 3; i++)
		recs[i] = event(EVTAP_KIND_KEY, 5, devs[i]->index, 30, 1, 0);
	round_trip(recs, devs, 1);
	CHECK_EQ(codec_enc_init(&enc, 4096), 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(codec_enc_append(&enc, &recs[i], devs[i]), 0);
	CHECK_EQ(codec_dec_start(&dec, enc.buf, enc.len), 0);
	CHECK_EQ(codec_dec_next(&dec, &got, &dev), 1);
	CHECK_EQ(codec_dec_next(&dec, &got, &dev), 1);
	CHECK(dev && strlen(dev->name) == EVTAP_DEVICE_NAME_MAX - 1, "cut to the longest name");
	CHECK_EQ(codec_dec_next(&dec, &got, &dev), 1);
	CHECK(dev && dev->name[0] == '\0');
	codec_enc_free(&enc);
}

static void test_encoder_rejects_invalid_records(void)
{
	struct evtap_device bad_class = device(3, "k"), other = device(4, "k");
	struct evtap_record key = event(EVTAP_KIND_KEY, 1, 3, 30, 1, 0);
	struct evtap_record r;
	struct codec_enc enc;

	bad_class.class = EVTAP_DEV_TOUCHPAD + 1;
	CHECK_EQ(codec_enc_init(&enc, 4096), 0);
	r = event(0, 1, 0, 0, 0, 0);
	CHECK_EQ(codec_enc_append(&enc, &r, NULL), -EINVAL);
	r = event(EVTAP_KIND_MAX, 1, 0, 0, 0, 0);
	CHECK_EQ(codec_enc_append(&enc, &r, NULL), -EINVAL);
	r = event(EVTAP_KIND_KEYCLASS, 1, 0, EVTAP_CLASS_MAX, 1, 0);
	CHECK_EQ(codec_enc_append(&enc, &r, NULL), -EINVAL);
	CHECK_EQ(codec_enc_append(&enc, &key, &other), -EINVAL);
	CHECK_EQ(codec_enc_append(&enc, &key, &bad_class), -EINVAL);
	CHECK_EQ(enc.len, 0);
	codec_enc_free(&enc);
	CHECK_EQ(codec_enc_init(&enc, CODEC_BLOCK_MAX + 1), -EINVAL);
}

/* CODEC_APPEND_MAX really bounds one append, the worst cases included. */
static void test_append_bound_holds(void)
{
	struct evtap_device dev = device(UINT32_MAX, "");
	struct evtap_record worst[3] = {
		event(EVTAP_KIND_MOTION, INT64_MIN, UINT32_MAX, 0, INT32_MIN, INT32_MIN),
		event(EVTAP_KIND_COUNTS, INT64_MAX, 0, 0, 0, 0),
		event(EVTAP_KIND_DISPLAY, INT64_MIN, 0, 0, 0, 0),
	};
	struct codec_enc enc;

	memset(dev.name, 'z', sizeof(dev.name));
	dev.bus = dev.vendor = dev.product = UINT16_MAX;
	memset(&worst[1].counts, 0xff, sizeof(worst[1].counts));
	memset(&worst[2].display, 0xff, sizeof(worst[2].display));
	CHECK_EQ(codec_enc_init(&enc, 4096), 0);
	for (int i = 0; i < 3; i++) {
		/* The first append of a block is the largest: it carries the base ts. */
		codec_enc_reset(&enc);
		CHECK_EQ(codec_enc_append(&enc, &worst[i], i ? NULL : &dev), 0);
		CHECK(enc.len <= CODEC_APPEND_MAX, "%zu bytes", enc.len);
	}
	codec_enc_free(&enc);
}

/* Decodes a copy of exactly len bytes, so that ASan sees any read past the end. */
static int decode_all(const uint8_t *block, size_t len, struct evtap_record *out, size_t max,
		      size_t *n)
{
	uint8_t *copy = malloc(len ? len : 1);
	const struct evtap_device *dev;
	struct codec_dec dec;
	struct evtap_record rec;
	int ret;

	memcpy(copy, block, len);
	*n = 0;
	ret = codec_dec_start(&dec, copy, len);
	while (!ret && (ret = codec_dec_next(&dec, &rec, &dev)) == 1) {
		if (*n < max)
			out[*n] = rec;
		++*n;
		ret = 0;
	}
	if (ret < 0 && !dec.why)
		ret = -EFAULT; /* a failure must say why */
	free(copy);
	return ret;
}

static void test_decoder_rejects_truncated_blocks(void)
{
	struct evtap_device kbd = device(3, "keyboard");
	struct evtap_record recs[4] = {
		event(EVTAP_KIND_KEY, 1000, 3, 30, 1, 0),
		event(EVTAP_KIND_KEY, 900000, 3, 30, 0, 0),
		event(EVTAP_KIND_COUNTS, 1000000, 0, 0, 0, 0),
		event(EVTAP_KIND_MOTION, 2000000, 3, 0, -300, 4000),
	};
	struct evtap_record got[4];
	struct codec_enc enc;
	size_t n;
	int ret, failures = 0;

	recs[2].counts.keys[0] = 123456;
	CHECK_EQ(codec_enc_init(&enc, 4096), 0);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(codec_enc_append(&enc, &recs[i], i == 2 ? NULL : &kbd), 0);
	for (size_t len = 0; len < enc.len; len++) {
		ret = decode_all(enc.buf, len, got, 4, &n);
		CHECK(ret == 0 || ret == -EBADMSG, "len %zu: %d", len, ret);
		CHECK(n < 4, "len %zu: a cut block decoded whole", len);
		for (size_t i = 0; i < n && i < 4; i++)
			CHECK(same_record(&got[i], &recs[i]), "len %zu: record %zu", len, i);
		failures += ret < 0;
	}
	/*
	 * Every cut is refused but the five between entries: after the base ts, after the device
	 * entry and after each of the first three records.
	 */
	CHECK_EQ(failures, (int)enc.len - 5);
	codec_enc_free(&enc);
}

static void expect_malformed(const uint8_t *entry, size_t len, const char *what)
{
	uint8_t block[64] = { 0 };
	struct evtap_record got[1];
	size_t n;

	memcpy(block + 8, entry, len);
	CHECK_EQ(decode_all(block, 8 + len, got, 1, &n), -EBADMSG);
	CHECK(n == 0, "%s: decoded %zu records", what, n);
}

static void test_decoder_rejects_malformed_entries(void)
{
	static const struct {
		const char *what;
		uint8_t bytes[24];
		size_t len;
	} cases[] = {
		{ "kind 0", { 0x00, 0 }, 2 },
		{ "kind past the last", { EVTAP_KIND_MAX, 0, 0, 0, 0 }, 5 },
		{ "device with ts flag", { CODEC_DEVICE | CODEC_TS_BACK, 0, 0, 0, 0, 0, 0 }, 7 },
		{ "11-byte varint",
		  { EVTAP_KIND_KEY, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		    0x01 },
		  12 },
		{ "bit 64 set",
		  { EVTAP_KIND_KEY, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02 },
		  11 },
		{ "code above 65535", { EVTAP_KIND_KEY, 0, 0, 0x80, 0x80, 0x04, 0 }, 7 },
		{ "value above 32 bits",
		  { EVTAP_KIND_KEY, 0, 0, 30, 0x80, 0x80, 0x80, 0x80, 0x10 },
		  9 },
		{ "dev above 32 bits",
		  { EVTAP_KIND_KEY, 0, 0x80, 0x80, 0x80, 0x80, 0x10, 30, 0 },
		  9 },
		{ "key class", { EVTAP_KIND_KEYCLASS, 0, 0, EVTAP_CLASS_MAX, 0 }, 5 },
		{ "device class", { CODEC_DEVICE, 1, 0, 0, 0, EVTAP_DEV_TOUCHPAD + 1, 0 }, 7 },
		{ "device name too long", { CODEC_DEVICE, 1, 0, 0, 0, 1, 0x80, 0x01, 'a' }, 9 },
		{ "device name truncated", { CODEC_DEVICE, 1, 0, 0, 0, 1, 5, 'a', 'b' }, 9 },
		{ "NUL in device name", { CODEC_DEVICE, 1, 0, 0, 0, 1, 2, 'a', 0 }, 9 },
		{ "ts before INT64_MIN",
		  { EVTAP_KIND_KEY | CODEC_TS_BACK, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
		    0x80, 0x01, 1, 30, 0 },
		  14 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_malformed(cases[i].bytes, cases[i].len, cases[i].what);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Random bytes and randomly damaged blocks never crash the decoder (ASan would see it). */
static void test_decoder_survives_garbage(void)
{
	struct evtap_device kbd = device(3, "keyboard");
	struct evtap_record rec = event(EVTAP_KIND_KEY, 1, 3, 30, 1, 0), got[1];
	uint8_t buf[512];
	struct codec_enc enc;
	size_t n, len;
	int ret;

	CHECK_EQ(codec_enc_init(&enc, 4096), 0);
	for (int i = 0; i < 40; i++) {
		rec.ts_ns += (int64_t)(rng() % 100000);
		CHECK_EQ(codec_enc_append(&enc, &rec, &kbd), 0);
	}
	for (int round = 0; round < 20000; round++) {
		len = rng() % sizeof(buf);
		if (round % 2) {
			for (size_t i = 0; i < len; i++)
				buf[i] = (uint8_t)rng();
		} else {
			len = enc.len;
			memcpy(buf, enc.buf, len);
			buf[rng() % len] ^= (uint8_t)(1 + rng() % 255);
		}
		ret = decode_all(buf, len, got, 1, &n);
		CHECK(ret == 0 || ret == -EBADMSG, "round %d: %d", round, ret);
	}
	codec_enc_free(&enc);
}

int main(void)
{
	RUN(test_every_kind_round_trips);
	RUN(test_extremes_round_trip);
	RUN(test_unused_fields_read_back_zero);
	RUN(test_device_described_once_per_block);
	RUN(test_colliding_devices_keep_their_identity);
	RUN(test_device_name_bounds);
	RUN(test_encoder_rejects_invalid_records);
	RUN(test_append_bound_holds);
	RUN(test_decoder_rejects_truncated_blocks);
	RUN(test_decoder_rejects_malformed_entries);
	RUN(test_decoder_survives_garbage);
	CHECK_EXIT();
}
