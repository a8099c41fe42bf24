/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Encoding of records inside one block of the store (docs/STORE.md, "Block contents"): a base
 * timestamp, then entries, each a kind byte and varints. Every block is self-contained: it
 * describes the devices its records refer to, so that any block decodes without the others.
 */
#ifndef EVTAP_CODEC_H
#define EVTAP_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include "record.h"

#define CODEC_DEVICE	   0x80	     /* kind byte of a device identity entry */
#define CODEC_TS_BACK	   0x40	     /* on a record's kind byte: ts before the previous one */
#define CODEC_BLOCK_MAX	   (1 << 20) /* bound on an encoded block: readers size buffers by it */
#define CODEC_APPEND_MAX   256	     /* bound on what one append adds: base ts, device, record */
#define CODEC_DEVICE_SLOTS 64	     /* descriptions a decoder keeps: slot = index % 64 */

/* Builds one block. Appending never allocates: the buffer is sized once by codec_enc_init. */
struct codec_enc {
	uint8_t *buf;
	size_t len;
	size_t cap;
	uint32_t records;
	int64_t prev_ts;
	uint64_t described; /* bit per slot: described_index[slot] was described in this block */
	uint32_t described_index[CODEC_DEVICE_SLOTS];
};

/* cap bounds the encoded block: at most CODEC_BLOCK_MAX. Returns 0 or a negative errno. */
int codec_enc_init(struct codec_enc *enc, size_t cap);
void codec_enc_free(struct codec_enc *enc);
/* Empties the block, to build the next one. */
void codec_enc_reset(struct codec_enc *enc);

/*
 * Appends rec, preceded by dev's identity unless this block described it already. Fields that
 * rec's kind does not use are not stored. Returns 0, -EINVAL for an invalid record or device,
 * or -ENOBUFS when fewer than CODEC_APPEND_MAX bytes are left (the caller cuts blocks before).
 */
int codec_enc_append(struct codec_enc *enc, const struct evtap_record *rec,
		     const struct evtap_device *dev);

/* Reads one block. Everything is validated; nothing in the input can make it read out of bounds. */
struct codec_dec {
	const uint8_t *pos;
	const uint8_t *end;
	int64_t prev_ts;
	const char *why; /* what was malformed, once a call failed */
	uint64_t described;
	struct evtap_device devices[CODEC_DEVICE_SLOTS];
};

/* Starts decoding block[0..len). Returns 0 or -EBADMSG. */
int codec_dec_start(struct codec_dec *dec, const uint8_t *block, size_t len);

/*
 * Decodes the next record into *rec (uid 0: the segment knows it) and sets *dev to its device's
 * identity, or NULL if the block has none. Returns 1, 0 at the end of the block, or -EBADMSG
 * with dec->why set.
 */
int codec_dec_next(struct codec_dec *dec, struct evtap_record *rec,
		   const struct evtap_device **dev);

/* Little-endian fixed-size fields, shared by the block and segment formats. */
static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return get_le16(p) | (uint32_t)get_le16(p + 2) << 16;
}

static inline uint64_t get_le64(const uint8_t *p)
{
	return get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

#endif /* EVTAP_CODEC_H */
