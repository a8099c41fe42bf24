// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Record encoding inside a block. Integers are LEB128 varints, signed values zigzag-encoded, so
 * that the common small values take one or two bytes before zlib even sees them. Format:
 * docs/STORE.md.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"

#define BASE_TS_SIZE 8

/* The fields a record of each kind stores; the others are not stored and read back as zero. */
enum {
	FIELD_DEV = 1 << 0,
	FIELD_CODE = 1 << 1,
	FIELD_VALUE = 1 << 2,
	FIELD_VALUE2 = 1 << 3,
};

static const uint8_t kind_fields[EVTAP_KIND_MAX] = {
	[EVTAP_KIND_KEY] = FIELD_DEV | FIELD_CODE | FIELD_VALUE,
	[EVTAP_KIND_BUTTON] = FIELD_DEV | FIELD_CODE | FIELD_VALUE,
	[EVTAP_KIND_MOTION] = FIELD_DEV | FIELD_VALUE | FIELD_VALUE2,
	[EVTAP_KIND_WHEEL] = FIELD_DEV | FIELD_VALUE | FIELD_VALUE2,
	[EVTAP_KIND_ABS] = FIELD_DEV | FIELD_CODE | FIELD_VALUE,
	[EVTAP_KIND_KEYCLASS] = FIELD_DEV | FIELD_CODE | FIELD_VALUE,
	/* COUNTS and DISPLAY carry their own bodies, and no device. */
};

static bool kind_is_valid(unsigned int kind)
{
	return kind >= EVTAP_KIND_KEY && kind < EVTAP_KIND_MAX;
}

int codec_enc_init(struct codec_enc *enc, size_t cap)
{
	memset(enc, 0, sizeof(*enc));
	if (cap < CODEC_APPEND_MAX || cap > CODEC_BLOCK_MAX)
		return -EINVAL;
	enc->buf = malloc(cap);
	if (!enc->buf)
		return -ENOMEM;
	enc->cap = cap;
	return 0;
}

void codec_enc_free(struct codec_enc *enc)
{
	free(enc->buf);
	enc->buf = NULL;
}

void codec_enc_reset(struct codec_enc *enc)
{
	enc->len = 0;
	enc->records = 0;
	enc->described = 0;
}

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static uint32_t zigzag(int32_t v)
{
	return (uint32_t)v << 1 ^ (v < 0 ? UINT32_MAX : 0);
}

static int check_record(const struct evtap_record *rec, const struct evtap_device *dev)
{
	if (!kind_is_valid(rec->kind))
		return -EINVAL;
	if (rec->kind == EVTAP_KIND_KEYCLASS && rec->code >= EVTAP_CLASS_MAX)
		return -EINVAL;
	if (dev && (dev->index != rec->dev || dev->class > EVTAP_DEV_TOUCHPAD))
		return -EINVAL;
	return 0;
}

/*
 * Describes dev unless its slot still holds it from an earlier description in this block. A
 * decoder keeps one description per slot, so a device whose slot was taken since is described
 * again: that is what lets decoders keep a fixed-size table.
 */
static uint8_t *put_device_once(struct codec_enc *enc, uint8_t *p, const struct evtap_device *dev)
{
	unsigned int slot = dev->index % CODEC_DEVICE_SLOTS;
	uint64_t bit = 1ull << slot;
	size_t name_len = strnlen(dev->name, EVTAP_DEVICE_NAME_MAX - 1);

	if ((enc->described & bit) && enc->described_index[slot] == dev->index)
		return p;
	enc->described |= bit;
	enc->described_index[slot] = dev->index;
	*p++ = CODEC_DEVICE;
	p = put_varint(p, dev->index);
	p = put_varint(p, dev->bus);
	p = put_varint(p, dev->vendor);
	p = put_varint(p, dev->product);
	*p++ = dev->class;
	p = put_varint(p, name_len);
	memcpy(p, dev->name, name_len);
	return p + name_len;
}

static uint8_t *put_counts(uint8_t *p, const struct evtap_counts_rec *c)
{
	p = put_varint(p, c->interval_ms);
	for (int i = 0; i < EVTAP_CLASS_MAX; i++)
		p = put_varint(p, c->keys[i]);
	p = put_varint(p, c->clicks);
	p = put_varint(p, c->motion);
	return put_varint(p, c->scroll);
}

static uint8_t *put_display(uint8_t *p, const struct evtap_display_rec *d)
{
	p = put_varint(p, d->crtc);
	p = put_varint(p, d->interval_ms);
	p = put_varint(p, d->commits);
	p = put_varint(p, d->flips);
	p = put_varint(p, d->damage_events);
	return put_varint(p, d->damage_ppm);
}

/* The ts is a delta from the previous record; a clock step back sets CODEC_TS_BACK. */
static uint8_t *put_record(uint8_t *p, const struct evtap_record *rec, int64_t prev_ts)
{
	uint8_t fields = kind_fields[rec->kind];
	bool back = rec->ts_ns < prev_ts;

	*p++ = rec->kind | (back ? CODEC_TS_BACK : 0);
	p = put_varint(p, back ? (uint64_t)prev_ts - (uint64_t)rec->ts_ns
			       : (uint64_t)rec->ts_ns - (uint64_t)prev_ts);
	if (fields & FIELD_DEV)
		p = put_varint(p, rec->dev);
	if (fields & FIELD_CODE)
		p = put_varint(p, rec->code);
	if (fields & FIELD_VALUE)
		p = put_varint(p, zigzag(rec->value));
	if (fields & FIELD_VALUE2)
		p = put_varint(p, zigzag(rec->value2));
	if (rec->kind == EVTAP_KIND_COUNTS)
		p = put_counts(p, &rec->counts);
	if (rec->kind == EVTAP_KIND_DISPLAY)
		p = put_display(p, &rec->display);
	return p;
}

int codec_enc_append(struct codec_enc *enc, const struct evtap_record *rec,
		     const struct evtap_device *dev)
{
	uint8_t *p = enc->buf + enc->len;
	int err = check_record(rec, dev);

	if (err)
		return err;
	/* CODEC_APPEND_MAX covers the worst case, so the puts below need no bounds checks. */
	if (enc->cap - enc->len < CODEC_APPEND_MAX)
		return -ENOBUFS;
	if (!enc->records) {
		put_le64(p, (uint64_t)rec->ts_ns);
		p += BASE_TS_SIZE;
		enc->prev_ts = rec->ts_ns;
	}
	if (dev && (kind_fields[rec->kind] & FIELD_DEV))
		p = put_device_once(enc, p, dev);
	p = put_record(p, rec, enc->prev_ts);
	enc->prev_ts = rec->ts_ns;
	enc->len = (size_t)(p - enc->buf);
	enc->records++;
	return 0;
}

/*
 * Decoding. The getters are sticky: after the first failure they return 0 and leave dec->why
 * as it was, so that a caller reads a whole entry and checks dec->why once.
 */
static uint64_t dec_fail(struct codec_dec *dec, const char *why)
{
	if (!dec->why)
		dec->why = why;
	return 0;
}

static uint8_t get_byte(struct codec_dec *dec)
{
	if (dec->why)
		return 0;
	if (dec->pos == dec->end)
		return (uint8_t)dec_fail(dec, "truncated entry");
	return *dec->pos++;
}

static uint64_t get_varint(struct codec_dec *dec, uint64_t max)
{
	uint64_t v = 0;

	for (unsigned int shift = 0; shift < 64; shift += 7) {
		uint8_t b = get_byte(dec);

		if (dec->why)
			return 0;
		/* The tenth byte holds bit 63 only. */
		if (shift == 63 && b > 1)
			break;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v <= max ? v : dec_fail(dec, "value out of range");
	}
	return dec_fail(dec, "varint overflow");
}

static int32_t get_zigzag(struct codec_dec *dec)
{
	uint32_t v = (uint32_t)get_varint(dec, UINT32_MAX);

	return (int32_t)(v >> 1 ^ -(v & 1));
}

int codec_dec_start(struct codec_dec *dec, const uint8_t *block, size_t len)
{
	dec->why = NULL;
	dec->described = 0;
	if (len < BASE_TS_SIZE) {
		dec_fail(dec, "block shorter than its base timestamp");
		return -EBADMSG;
	}
	dec->prev_ts = (int64_t)get_le64(block);
	dec->pos = block + BASE_TS_SIZE;
	dec->end = block + len;
	return 0;
}

static void get_name(struct codec_dec *dec, char *name)
{
	size_t len = get_varint(dec, EVTAP_DEVICE_NAME_MAX - 1);

	if (dec->why)
		return;
	if ((size_t)(dec->end - dec->pos) < len) {
		dec_fail(dec, "truncated device name");
		return;
	}
	/* A NUL inside would silently shorten the name that export shows. */
	if (memchr(dec->pos, 0, len)) {
		dec_fail(dec, "NUL in device name");
		return;
	}
	memcpy(name, dec->pos, len);
	name[len] = '\0';
	dec->pos += len;
}

static int get_device(struct codec_dec *dec)
{
	struct evtap_device d = { 0 };
	unsigned int slot;

	d.index = (uint32_t)get_varint(dec, UINT32_MAX);
	d.bus = (uint16_t)get_varint(dec, UINT16_MAX);
	d.vendor = (uint16_t)get_varint(dec, UINT16_MAX);
	d.product = (uint16_t)get_varint(dec, UINT16_MAX);
	d.class = get_byte(dec);
	if (d.class > EVTAP_DEV_TOUCHPAD)
		dec_fail(dec, "unknown device class");
	get_name(dec, d.name);
	if (dec->why)
		return -EBADMSG;
	slot = d.index % CODEC_DEVICE_SLOTS;
	dec->devices[slot] = d;
	dec->described |= 1ull << slot;
	return 0;
}

static const struct evtap_device *dec_device(const struct codec_dec *dec, uint32_t index)
{
	unsigned int slot = index % CODEC_DEVICE_SLOTS;

	if (!(dec->described & 1ull << slot) || dec->devices[slot].index != index)
		return NULL;
	return &dec->devices[slot];
}

/* Refuses a delta that would overflow: no encoder produces one. */
static int64_t get_ts(struct codec_dec *dec, bool back)
{
	uint64_t prev = (uint64_t)dec->prev_ts;
	uint64_t room = back ? prev - (uint64_t)INT64_MIN : (uint64_t)INT64_MAX - prev;
	uint64_t delta = get_varint(dec, room);

	dec->prev_ts = (int64_t)(back ? prev - delta : prev + delta);
	return dec->prev_ts;
}

static void get_counts(struct codec_dec *dec, struct evtap_counts_rec *c)
{
	c->interval_ms = (uint32_t)get_varint(dec, UINT32_MAX);
	for (int i = 0; i < EVTAP_CLASS_MAX; i++)
		c->keys[i] = get_varint(dec, UINT64_MAX);
	c->clicks = get_varint(dec, UINT64_MAX);
	c->motion = get_varint(dec, UINT64_MAX);
	c->scroll = get_varint(dec, UINT64_MAX);
}

static void get_display(struct codec_dec *dec, struct evtap_display_rec *d)
{
	d->crtc = (uint32_t)get_varint(dec, UINT32_MAX);
	d->interval_ms = (uint32_t)get_varint(dec, UINT32_MAX);
	d->commits = (uint32_t)get_varint(dec, UINT32_MAX);
	d->flips = (uint32_t)get_varint(dec, UINT32_MAX);
	d->damage_events = (uint32_t)get_varint(dec, UINT32_MAX);
	d->damage_ppm = (uint32_t)get_varint(dec, UINT32_MAX);
}

static int get_record(struct codec_dec *dec, uint8_t kind_byte, struct evtap_record *rec)
{
	unsigned int kind = kind_byte & ~CODEC_TS_BACK;
	uint8_t fields;

	if (!kind_is_valid(kind)) {
		dec_fail(dec, "unknown record kind");
		return -EBADMSG;
	}
	fields = kind_fields[kind];
	memset(rec, 0, sizeof(*rec));
	rec->kind = (uint8_t)kind;
	rec->ts_ns = get_ts(dec, kind_byte & CODEC_TS_BACK);
	if (fields & FIELD_DEV)
		rec->dev = (uint32_t)get_varint(dec, UINT32_MAX);
	if (fields & FIELD_CODE)
		rec->code = (uint16_t)get_varint(dec, UINT16_MAX);
	if (fields & FIELD_VALUE)
		rec->value = get_zigzag(dec);
	if (fields & FIELD_VALUE2)
		rec->value2 = get_zigzag(dec);
	if (kind == EVTAP_KIND_COUNTS)
		get_counts(dec, &rec->counts);
	if (kind == EVTAP_KIND_DISPLAY)
		get_display(dec, &rec->display);
	if (kind == EVTAP_KIND_KEYCLASS && rec->code >= EVTAP_CLASS_MAX)
		dec_fail(dec, "unknown key class");
	return dec->why ? -EBADMSG : 0;
}

int codec_dec_next(struct codec_dec *dec, struct evtap_record *rec, const struct evtap_device **dev)
{
	uint8_t kind_byte;
	int err;

	if (dec->why)
		return -EBADMSG;
	for (;;) {
		if (dec->pos == dec->end)
			return 0;
		kind_byte = *dec->pos++;
		if (kind_byte != CODEC_DEVICE)
			break;
		err = get_device(dec);
		if (err)
			return err;
	}
	err = get_record(dec, kind_byte, rec);
	if (err)
		return err;
	*dev = (kind_fields[rec->kind] & FIELD_DEV) ? dec_device(dec, rec->dev) : NULL;
	return 1;
}
