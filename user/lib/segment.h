/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Segment files: a fixed header, then framed blocks, each a checksummed, sealed zlib payload of
 * encoded records (codec.h). Writing a block is encode -> compress -> seal -> frame -> write;
 * reading undoes it block by block and resyncs past damage. Format: docs/STORE.md.
 */
#ifndef EVTAP_SEGMENT_H
#define EVTAP_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "codec.h"
#include "keys.h"
#include "record.h"

#define SEG_MAGIC	      "EVTAPSEG"
#define SEG_VERSION	      3 /* 2 had no key id; it is still read */
#define SEG_VERSION_V2	      2
#define SEG_FLAG_ENCRYPTED    0x1 /* payloads are sealed: always set by this version */
#define SEG_HEADER_SIZE	      48  /* version 2: 32, without the key id */
#define SEG_HEADER_V2_SIZE    32
#define SEG_KEY_ID_SIZE	      crypto_generichash_BYTES_MIN
#define SEG_BLOCK_MAGIC	      0x42545645u /* "EVTB" in file order */
#define SEG_BLOCK_HEADER_SIZE 16
/* A seal adds a nonce before the ciphertext and a tag after it. */
#define SEG_SEAL_SIZE                                                                              \
	(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES)
/* zlib's worst case for a CODEC_BLOCK_MAX block is 333 bytes more; the rest is for a seal. */
#define SEG_PAYLOAD_MAX (CODEC_BLOCK_MAX + 4096)
#define SEG_CODEC_ZLIB	1
#define SEG_NAME_SIZE	21 /* 16 hex digits, ".seg", NUL */

/* "<16 hex digits of seq>.seg" */
void seg_name(char name[SEG_NAME_SIZE], uint64_t seq);

/* The seqs of the segments in a user's directory, ascending; *seqs is to be freed. */
int seg_list(int dir_fd, uint64_t **seqs, size_t *count);

/* Writing. */
struct seg_writer {
	int fd; /* -1: none open */
	uint64_t seq;
	uint64_t size;
	bool broken; /* a failed write left a partial block that could not be cut off */
};

/*
 * Creates segment seq in dir_fd (0600, O_APPEND) and writes its header, which names the key its
 * blocks are sealed with by its key id. The caller fsyncs the directory. Returns 0 or a negative
 * errno; on failure no file is left behind.
 */
int seg_create(struct seg_writer *w, int dir_fd, uint32_t uid, uint64_t seq, int64_t created_ns,
	       const uint8_t key[KEY_SIZE]);

/*
 * Appends a framed block. On failure returns the negative errno and cuts the file back to where
 * the block started; if even that fails, w->broken is set and the segment must not grow.
 */
int seg_append(struct seg_writer *w, const uint8_t *frame, size_t len);

/* Cuts the segment back to size bytes. Returns 0 or a negative errno. */
int seg_truncate(struct seg_writer *w, uint64_t size);
void seg_close(struct seg_writer *w);

/* Turns encoded blocks into framed blocks, reusing its buffers: no allocation per block. */
struct seg_packer;

/* raw_max bounds the encoded blocks it will pack. Returns 0 or a negative errno. */
int seg_packer_new(struct seg_packer **out, size_t raw_max);
void seg_packer_free(struct seg_packer *pk);

/* Where a block lands. Its seal binds it there: a block moved elsewhere does not open. */
struct seg_place {
	uint32_t uid;
	uint64_t seq;
	uint64_t offset; /* of its block header in the segment */
};

/*
 * Compresses raw, seals it with key for place and frames it; *frame stays valid until the next
 * call. Returns 0 or a negative errno.
 */
int seg_pack(struct seg_packer *pk, const uint8_t *raw, size_t raw_len, const uint8_t key[KEY_SIZE],
	     const struct seg_place *place, const uint8_t **frame, size_t *frame_len);

/* Reading. */
struct seg_read_cb {
	/* Per record, uid set; dev is its identity if its block has one. Non-zero stops. */
	int (*record)(void *ctx, const struct evtap_record *rec, const struct evtap_device *dev);
	/* Per stretch of bytes skipped (may be NULL): offset in the file, and why. */
	void (*corrupt)(void *ctx, uint64_t offset, const char *why);
	void *ctx;
};

/* Holds the reading buffers, bounded by the block size whatever the segment's size. */
struct seg_reader;

struct seg_reader *seg_reader_new(void);
void seg_reader_free(struct seg_reader *rd);

/*
 * Reads segment file fd of user uid with the user's key: every block that verifies and opens is
 * delivered, every damaged, torn or unopenable one reported, and reading goes on after it.
 * Returns 0, the record callback's non-zero return, or a negative errno if the file cannot be
 * read at all.
 */
int seg_read_fd(struct seg_reader *rd, int fd, uint32_t uid, const uint8_t key[KEY_SIZE],
		const struct seg_read_cb *cb);

/* The same for a segment held in memory (the fuzz target reads this way). */
int seg_read_mem(struct seg_reader *rd, const uint8_t *buf, size_t len, uint32_t uid,
		 const uint8_t key[KEY_SIZE], const struct seg_read_cb *cb);

/*
 * Reads one block held alone in buf (its header and payload, as a segment holds it and as a
 * fleet data message carries it) that lives at place: its seal must be bound to place.
 * Returns 0 once its records went to cb (a malformed entry is reported through cb->corrupt),
 * the record callback's non-zero return, -EBADMSG for a block whose header or checksum is
 * wrong or that is not exactly buf, or -EKEYREJECTED when the seal does not open (another key,
 * or another place).
 */
int seg_read_block(struct seg_reader *rd, const uint8_t *buf, size_t len,
		   const struct seg_place *place, const uint8_t key[KEY_SIZE],
		   const struct seg_read_cb *cb);

/*
 * After a read: where the last block that verified and opened ends, or the header's end if none
 * did but the header's key id is the key's. 0 when nothing proves that the key is the
 * segment's (no block opened, and a version 2 header or another key's id), when the header was
 * refused or reading failed: then nothing of the segment may be cut. What lies beyond a
 * non-zero good end is a damaged tail.
 */
uint64_t seg_reader_good_end(const struct seg_reader *rd);

/* After a read: the header's creation time, or INT64_MIN if the header was refused early. */
int64_t seg_reader_created(const struct seg_reader *rd);

/*
 * Reading blocks raw, without a key, as they are stored: what evtap-shipd sends. A block is
 * given out only once its header is exact and its CRC verifies, so that a block still being
 * written is waited for, never sent half.
 */
struct seg_raw_block {
	uint64_t offset;     /* of its header in the segment */
	uint32_t len;	     /* header and payload */
	const uint8_t *data; /* valid until the next call on the reader */
	uint64_t size;	     /* the segment's size when it was read */
	const char *why;     /* for -EBADMSG: what the damage was (as seg_read_fd reports it) */
};

/*
 * Starts reading segment fd of user uid raw: checks its header and gives its seq. Returns 0,
 * -EAGAIN while the header is not all written yet, -EBADMSG with *why for a header that is
 * refused (as seg_read_fd would), or another negative errno.
 */
int seg_raw_open(struct seg_reader *rd, int fd, uint32_t uid, uint64_t *seq, const char **why);

/*
 * The block at off in the segment seg_raw_open started, the file's size taken anew (it may
 * have grown). Returns 1 with b filled; 0 when no whole block is there yet (b->size says
 * whether off is the end, or a partial block or damage at the tail: nothing valid follows);
 * -EBADMSG for damage followed by a valid block, which b->offset names (b->why says what);
 * -ESTALE if the file is now shorter than off (cut back: b->size); or a negative errno.
 */
int seg_raw_next(struct seg_reader *rd, uint64_t off, struct seg_raw_block *b);

#endif /* EVTAP_SEGMENT_H */
