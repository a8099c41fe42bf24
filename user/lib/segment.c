// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Segment files: naming, writing sealed, framed blocks with a cut-back on failure, and reading
 * them back with checksum verification, opening and resync past damage. Format: docs/STORE.md.
 */
#define ZLIB_CONST
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "fileio.h"
#include "segment.h"

/* A read never needs more than one block at a time, so that is all a file reader buffers. */
#define SEG_WINDOW (SEG_BLOCK_HEADER_SIZE + SEG_PAYLOAD_MAX)

void seg_name(char name[SEG_NAME_SIZE], uint64_t seq)
{
	snprintf(name, SEG_NAME_SIZE, "%016" PRIx64 ".seg", seq);
}

static bool seg_parse_name(const char *name, uint64_t *seq)
{
	if (strlen(name) != SEG_NAME_SIZE - 1 || strspn(name, "0123456789abcdef") != 16 ||
	    strcmp(name + 16, ".seg"))
		return false;
	*seq = strtoull(name, NULL, 16);
	return true;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int push_seq(uint64_t **seqs, size_t *count, size_t *cap, uint64_t seq)
{
	if (*count == *cap) {
		size_t new_cap = *cap ? *cap * 2 : 16;
		uint64_t *grown = reallocarray(*seqs, new_cap, sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		*seqs = grown;
		*cap = new_cap;
	}
	(*seqs)[(*count)++] = seq;
	return 0;
}

int seg_list(int dir_fd, uint64_t **seqs, size_t *count)
{
	/* fdopendir takes the descriptor it is given: give it one of its own. */
	int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	size_t cap = 0;
	uint64_t seq;
	DIR *dir;
	int err = 0;

	*seqs = NULL;
	*count = 0;
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		err = -errno;
		close(fd);
		return err;
	}
	while (!err) {
		errno = 0;
		de = readdir(dir);
		if (!de) {
			err = -errno;
			break;
		}
		if (seg_parse_name(de->d_name, &seq))
			err = push_seq(seqs, count, &cap, seq);
	}
	closedir(dir);
	if (err) {
		free(*seqs);
		*seqs = NULL;
		*count = 0;
		return err;
	}
	if (*count)
		qsort(*seqs, *count, sizeof(**seqs), cmp_u64);
	return 0;
}

#define KEY_ID_LABEL "evtap segment key id"

/*
 * Names the key a segment's blocks are sealed with, without revealing it: a keyed hash
 * (BLAKE2b) of a fixed label under the key. A segment written under another key is thus told
 * apart from a damaged one.
 */
static void key_id(const uint8_t key[KEY_SIZE], uint8_t id[SEG_KEY_ID_SIZE])
{
	crypto_generichash(id, SEG_KEY_ID_SIZE, (const uint8_t *)KEY_ID_LABEL,
			   sizeof(KEY_ID_LABEL) - 1, key, KEY_SIZE);
}

static void encode_header(uint8_t *h, uint32_t uid, uint64_t seq, int64_t created_ns,
			  const uint8_t key[KEY_SIZE])
{
	memcpy(h, SEG_MAGIC, strlen(SEG_MAGIC));
	put_le16(h + 8, SEG_VERSION);
	put_le16(h + 10, SEG_FLAG_ENCRYPTED);
	put_le32(h + 12, uid);
	put_le64(h + 16, seq);
	put_le64(h + 24, (uint64_t)created_ns);
	key_id(key, h + SEG_HEADER_V2_SIZE);
}

int seg_create(struct seg_writer *w, int dir_fd, uint32_t uid, uint64_t seq, int64_t created_ns,
	       const uint8_t key[KEY_SIZE])
{
	const int flags = O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW;
	uint8_t header[SEG_HEADER_SIZE];
	char name[SEG_NAME_SIZE];
	int fd, err;

	seg_name(name, seq);
	fd = openat(dir_fd, name, flags, 0600);
	if (fd < 0)
		return -errno;
	*w = (struct seg_writer){ .fd = fd, .seq = seq };
	encode_header(header, uid, seq, created_ns, key);
	err = seg_append(w, header, sizeof(header));
	if (err) {
		seg_close(w);
		unlinkat(dir_fd, name, 0);
	}
	return err;
}

/* One write(2) in the normal case; more only after a short write, to learn its errno. */
int seg_append(struct seg_writer *w, const uint8_t *frame, size_t len)
{
	size_t done = 0;
	int err = 0;

	while (done < len && !err) {
		ssize_t n = fileio.write(w->fd, frame + done, len - done);

		if (n > 0)
			done += (size_t)n;
		else if (n == 0)
			err = -EIO;
		else if (errno != EINTR)
			err = -errno;
	}
	if (!err) {
		w->size += len;
		return 0;
	}
	/* A partial block would read as damage: cut it off. */
	if (done && seg_truncate(w, w->size))
		w->broken = true;
	return err;
}

int seg_truncate(struct seg_writer *w, uint64_t size)
{
	if (fileio.ftruncate(w->fd, (off_t)size))
		return -errno;
	w->size = size;
	return 0;
}

void seg_close(struct seg_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

struct seg_packer {
	z_stream deflater; /* kept across blocks: deflateReset allocates nothing */
	size_t zlib_cap;
	uint8_t *zlib;	/* the compressed block, before sealing */
	uint8_t *frame; /* block header, then payload: nonce, ciphertext, tag */
};

int seg_packer_new(struct seg_packer **out, size_t raw_max)
{
	struct seg_packer *pk;

	if (raw_max > CODEC_BLOCK_MAX)
		return -EINVAL;
	pk = calloc(1, sizeof(*pk));
	if (!pk)
		return -ENOMEM;
	if (deflateInit(&pk->deflater, Z_DEFAULT_COMPRESSION) != Z_OK) {
		free(pk);
		return -ENOMEM;
	}
	/* Sealed, at most SEG_PAYLOAD_MAX, given raw_max <= CODEC_BLOCK_MAX. */
	pk->zlib_cap = deflateBound(&pk->deflater, (uLong)raw_max);
	pk->zlib = malloc(pk->zlib_cap);
	pk->frame = malloc(SEG_BLOCK_HEADER_SIZE + SEG_SEAL_SIZE + pk->zlib_cap);
	if (!pk->zlib || !pk->frame) {
		seg_packer_free(pk);
		return -ENOMEM;
	}
	*out = pk;
	return 0;
}

void seg_packer_free(struct seg_packer *pk)
{
	if (!pk)
		return;
	deflateEnd(&pk->deflater);
	free(pk->zlib);
	free(pk->frame);
	free(pk);
}

static int pack_compress(struct seg_packer *pk, const uint8_t *raw, size_t raw_len,
			 size_t *zlib_len)
{
	z_stream *zs = &pk->deflater;

	if (deflateReset(zs) != Z_OK)
		return -EINVAL;
	zs->next_in = raw;
	zs->avail_in = (uInt)raw_len;
	zs->next_out = pk->zlib;
	zs->avail_out = (uInt)pk->zlib_cap;
	/* The output holds deflateBound(raw_max): one call finishes unless raw_len > raw_max. */
	if (deflate(zs, Z_FINISH) != Z_STREAM_END)
		return -ENOBUFS;
	*zlib_len = pk->zlib_cap - zs->avail_out;
	return 0;
}

#define SEAL_AD_SIZE 20

/* The seal's associated data: a block opens only for the user, segment and offset it was for. */
static void seal_ad(uint8_t ad[SEAL_AD_SIZE], const struct seg_place *place)
{
	put_le32(ad, place->uid);
	put_le64(ad + 4, place->seq);
	put_le64(ad + 12, place->offset);
}

/* A random nonce per block: 192 bits never repeat by chance, whatever the number of blocks. */
static void pack_seal(struct seg_packer *pk, size_t zlib_len, const uint8_t key[KEY_SIZE],
		      const struct seg_place *place, size_t *payload_len)
{
	uint8_t *nonce = pk->frame + SEG_BLOCK_HEADER_SIZE;
	uint8_t *c = nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
	uint8_t ad[SEAL_AD_SIZE];
	unsigned long long c_len;

	randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	seal_ad(ad, place);
	crypto_aead_xchacha20poly1305_ietf_encrypt(c, &c_len, pk->zlib, zlib_len, ad, sizeof(ad),
						   NULL, nonce, key);
	*payload_len = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + (size_t)c_len;
}

static void pack_frame(uint8_t *frame, size_t payload_len)
{
	const uint8_t *payload = frame + SEG_BLOCK_HEADER_SIZE;

	put_le32(frame, SEG_BLOCK_MAGIC);
	put_le32(frame + 4, (uint32_t)payload_len);
	put_le32(frame + 8, (uint32_t)crc32(0, payload, (uInt)payload_len));
	frame[12] = SEG_CODEC_ZLIB;
	memset(frame + 13, 0, 3);
}

int seg_pack(struct seg_packer *pk, const uint8_t *raw, size_t raw_len, const uint8_t key[KEY_SIZE],
	     const struct seg_place *place, const uint8_t **frame, size_t *frame_len)
{
	size_t zlib_len, payload_len;
	int err = pack_compress(pk, raw, raw_len, &zlib_len);

	if (err)
		return err;
	pack_seal(pk, zlib_len, key, place, &payload_len);
	pack_frame(pk->frame, payload_len);
	*frame = pk->frame;
	*frame_len = SEG_BLOCK_HEADER_SIZE + payload_len;
	return 0;
}

/* Where a segment is read from: memory, or a file through a window of one block. */
struct seg_source {
	const uint8_t *mem; /* the whole segment, or NULL: read fd */
	int fd;
	uint64_t size;
	uint64_t window_off; /* fd: the window holds [window_off, window_off + window_len) */
	size_t window_len;
	int err; /* the read error that ended reading */
};

struct seg_reader {
	struct seg_source src;
	uint8_t *window;
	uint8_t *opened; /* the compressed block, once its seal is open */
	uint8_t *raw;	 /* the decompressed block */
	z_stream inflater;
	struct codec_dec dec;
	struct seg_place place; /* of the block being read: what its seal must be bound to */
	const uint8_t *key;
	uint64_t good_end;
	int64_t created;
	const struct seg_read_cb *cb;
	char why[128];
};

struct seg_reader *seg_reader_new(void)
{
	struct seg_reader *rd = calloc(1, sizeof(*rd));

	if (!rd)
		return NULL;
	if (inflateInit(&rd->inflater) != Z_OK) {
		free(rd);
		return NULL;
	}
	rd->window = malloc(SEG_WINDOW);
	rd->opened = malloc(SEG_PAYLOAD_MAX);
	rd->raw = malloc(CODEC_BLOCK_MAX);
	if (!rd->window || !rd->opened || !rd->raw) {
		seg_reader_free(rd);
		return NULL;
	}
	return rd;
}

void seg_reader_free(struct seg_reader *rd)
{
	if (!rd)
		return;
	inflateEnd(&rd->inflater);
	free(rd->window);
	free(rd->opened);
	free(rd->raw);
	free(rd);
}

static void report(struct seg_reader *rd, uint64_t off, const char *why)
{
	if (rd->cb->corrupt)
		rd->cb->corrupt(rd->cb->ctx, off, why);
}

static int read_failed(struct seg_source *src, int err)
{
	src->err = err;
	return err;
}

/* Reads up to a window's worth from off. A file that shrank meanwhile is a read error. */
static int fill_window(struct seg_reader *rd, uint64_t off)
{
	struct seg_source *src = &rd->src;
	size_t want = src->size - off < SEG_WINDOW ? (size_t)(src->size - off) : SEG_WINDOW;
	size_t got = 0;

	src->window_len = 0;
	while (got < want) {
		ssize_t n = pread(src->fd, rd->window + got, want - got, (off_t)(off + got));

		if (n > 0)
			got += (size_t)n;
		else if (n == 0)
			return read_failed(src, -EIO);
		else if (errno != EINTR)
			return read_failed(src, -errno);
	}
	src->window_off = off;
	src->window_len = want;
	return 0;
}

/*
 * The len bytes at off, which the caller checked are inside the segment, valid until the next
 * view; NULL on a read error.
 */
static const uint8_t *view(struct seg_reader *rd, uint64_t off, size_t len)
{
	struct seg_source *src = &rd->src;

	if (src->mem)
		return src->mem + off;
	if ((off < src->window_off || off + len > src->window_off + src->window_len) &&
	    fill_window(rd, off))
		return NULL;
	return rd->window + (off - src->window_off);
}

enum verdict {
	BLOCK_OK,
	BLOCK_TORN, /* fewer bytes left than a block header */
	BLOCK_BAD_MAGIC,
	BLOCK_BAD_HEADER, /* length, codec or reserved bytes out of range */
	BLOCK_PAST_END,	  /* the payload would run past the end of the file */
	BLOCK_BAD_CRC,
	BLOCK_READ_ERROR,
};

static enum verdict check_block(struct seg_reader *rd, uint64_t off, const uint8_t **payload,
				uint32_t *len)
{
	uint64_t left = rd->src.size - off;
	const uint8_t *h;
	uint32_t crc;

	if (left < SEG_BLOCK_HEADER_SIZE)
		return BLOCK_TORN;
	h = view(rd, off, SEG_BLOCK_HEADER_SIZE);
	if (!h)
		return BLOCK_READ_ERROR;
	if (get_le32(h) != SEG_BLOCK_MAGIC)
		return BLOCK_BAD_MAGIC;
	*len = get_le32(h + 4);
	crc = get_le32(h + 8);
	/* The checksum covers the payload only, so the header's other bytes must be exact. */
	if (*len > SEG_PAYLOAD_MAX || h[12] != SEG_CODEC_ZLIB || h[13] || h[14] || h[15])
		return BLOCK_BAD_HEADER;
	if (left - SEG_BLOCK_HEADER_SIZE < *len)
		return BLOCK_PAST_END;
	h = view(rd, off, SEG_BLOCK_HEADER_SIZE + *len);
	if (!h)
		return BLOCK_READ_ERROR;
	*payload = h + SEG_BLOCK_HEADER_SIZE;
	return crc32(0, *payload, *len) == crc ? BLOCK_OK : BLOCK_BAD_CRC;
}

/* The offset of the first block at or after off whose checksum verifies, or the end. */
static uint64_t resync(struct seg_reader *rd, uint64_t off)
{
	uint64_t size = rd->src.size;
	const uint8_t *payload, *p, *hit;
	uint8_t magic[4];
	uint32_t len;

	put_le32(magic, SEG_BLOCK_MAGIC);
	while (!rd->src.err && size - off >= SEG_BLOCK_HEADER_SIZE) {
		size_t chunk = size - off < SEG_WINDOW ? (size_t)(size - off) : SEG_WINDOW;

		p = view(rd, off, chunk);
		if (!p)
			break;
		hit = memmem(p, chunk, magic, sizeof(magic));
		if (!hit) {
			/* A magic may straddle the chunk's end: look at its last bytes again. */
			off += chunk - (sizeof(magic) - 1);
			continue;
		}
		off += (uint64_t)(hit - p);
		if (check_block(rd, off, &payload, &len) == BLOCK_OK)
			return off;
		off++;
	}
	return size;
}

static const char *damage_why(enum verdict v, bool nothing_follows)
{
	static const char *const why[] = {
		[BLOCK_TORN] = "torn tail: partial block header",
		[BLOCK_BAD_MAGIC] = "bad block magic",
		[BLOCK_BAD_HEADER] = "bad block header",
		[BLOCK_PAST_END] = "bad block length",
		[BLOCK_BAD_CRC] = "checksum mismatch",
	};

	if (v == BLOCK_PAST_END && nothing_follows)
		return "torn tail: block runs past the end of the file";
	return why[v];
}

/* Reports the damage at off once, however long it is, and returns where good blocks resume. */
static uint64_t skip_damage(struct seg_reader *rd, uint64_t off, enum verdict v)
{
	uint64_t next = resync(rd, off + 1);

	if (rd->src.err)
		return off;
	report(rd, off, damage_why(v, next == rd->src.size));
	return next;
}

/* A checksum that verifies but a seal that does not open: another key, or a moved block. */
static int unpack_open(struct seg_reader *rd, uint64_t off, const uint8_t *payload, uint32_t len,
		       size_t *opened_len)
{
	const uint8_t *c = payload + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
	uint8_t ad[SEAL_AD_SIZE];
	unsigned long long m_len;

	if (len < SEG_SEAL_SIZE)
		return -EBADMSG;
	rd->place.offset = off;
	seal_ad(ad, &rd->place);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		    rd->opened, &m_len, NULL, c, len - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
		    ad, sizeof(ad), payload, rd->key))
		return -EBADMSG;
	*opened_len = (size_t)m_len;
	return 0;
}

/* Z_FINISH into a bounded buffer: a block that inflates past CODEC_BLOCK_MAX is refused. */
static int unpack_decompress(struct seg_reader *rd, size_t len, size_t *raw_len)
{
	z_stream *zs = &rd->inflater;

	if (inflateReset(zs) != Z_OK)
		return -EINVAL;
	zs->next_in = rd->opened;
	zs->avail_in = (uInt)len;
	zs->next_out = rd->raw;
	zs->avail_out = CODEC_BLOCK_MAX;
	if (inflate(zs, Z_FINISH) != Z_STREAM_END || zs->avail_in)
		return -EBADMSG;
	*raw_len = CODEC_BLOCK_MAX - zs->avail_out;
	return 0;
}

/* Records before the malformed entry were delivered already; the block is reported anyway. */
static void report_undecodable(struct seg_reader *rd, uint64_t off)
{
	snprintf(rd->why, sizeof(rd->why), "undecodable block: %s", rd->dec.why);
	report(rd, off, rd->why);
}

static int decode_block(struct seg_reader *rd, uint64_t off, size_t raw_len)
{
	const struct evtap_device *dev;
	struct evtap_record rec;
	int got, ret;

	if (codec_dec_start(&rd->dec, rd->raw, raw_len)) {
		report_undecodable(rd, off);
		return 0;
	}
	while ((got = codec_dec_next(&rd->dec, &rec, &dev)) > 0) {
		rec.uid = rd->place.uid;
		ret = rd->cb->record(rd->cb->ctx, &rec, dev);
		if (ret)
			return ret;
	}
	if (got < 0)
		report_undecodable(rd, off);
	return 0;
}

static int deliver_block(struct seg_reader *rd, uint64_t off, const uint8_t *payload, uint32_t len)
{
	size_t opened_len, raw_len;

	if (unpack_open(rd, off, payload, len, &opened_len)) {
		report(rd, off, "undecryptable block: seal does not open");
		return 0;
	}
	rd->good_end = off + SEG_BLOCK_HEADER_SIZE + len;
	if (unpack_decompress(rd, opened_len, &raw_len)) {
		report(rd, off, "undecodable block: bad zlib stream");
		return 0;
	}
	return decode_block(rd, off, raw_len);
}

static int read_blocks(struct seg_reader *rd, uint64_t off)
{
	const uint8_t *payload;
	enum verdict v;
	uint32_t len;
	int ret;

	while (off < rd->src.size && !rd->src.err) {
		v = check_block(rd, off, &payload, &len);
		if (v == BLOCK_READ_ERROR)
			break;
		if (v != BLOCK_OK) {
			off = skip_damage(rd, off, v);
			continue;
		}
		ret = deliver_block(rd, off, payload, len);
		if (ret)
			return ret;
		off += SEG_BLOCK_HEADER_SIZE + len;
	}
	if (rd->src.err)
		report(rd, off, "read error");
	return 0;
}

/* The fields that versions 2 and 3 share. */
static const char *header_problem(const uint8_t *h, uint32_t uid)
{
	uint16_t version = get_le16(h + 8);

	if (memcmp(h, SEG_MAGIC, strlen(SEG_MAGIC)))
		return "not a segment: bad magic";
	if (version != SEG_VERSION && version != SEG_VERSION_V2)
		return "unsupported segment version";
	/* This version writes sealed payloads only; other flags are for a newer reader. */
	if (get_le16(h + 10) != SEG_FLAG_ENCRYPTED)
		return "unsupported segment flags";
	/* Never attribute another user's records to this one. */
	if (get_le32(h + 12) != uid)
		return "segment of another user";
	return NULL;
}

/*
 * A segment written under another key (the key dir was lost and a new key made, or restored
 * from elsewhere) is skipped whole: its blocks are not damaged, and must not be cut.
 */
static const char *key_problem(struct seg_reader *rd, const uint8_t *h)
{
	uint8_t id[SEG_KEY_ID_SIZE];

	key_id(rd->key, id);
	if (sodium_memcmp(id, h + SEG_HEADER_V2_SIZE, SEG_KEY_ID_SIZE))
		return "undecryptable segment: written under another key";
	/* The key is the segment's: a block that does not open after this is damage. */
	rd->good_end = SEG_HEADER_SIZE;
	return NULL;
}

/* Checks the header; on success *start is where its blocks begin. */
static const char *read_header(struct seg_reader *rd, uint32_t uid, uint64_t *start)
{
	const char *problem;
	const uint8_t *h;

	if (rd->src.size < SEG_HEADER_V2_SIZE)
		return "torn tail: partial segment header";
	h = view(rd, 0, SEG_HEADER_V2_SIZE);
	if (!h)
		return "read error";
	problem = header_problem(h, uid);
	if (problem)
		return problem;
	rd->place.seq = get_le64(h + 16);
	rd->created = (int64_t)get_le64(h + 24);
	*start = get_le16(h + 8) == SEG_VERSION_V2 ? SEG_HEADER_V2_SIZE : SEG_HEADER_SIZE;
	if (*start == SEG_HEADER_V2_SIZE)
		return NULL;
	if (rd->src.size < SEG_HEADER_SIZE)
		return "torn tail: partial segment header";
	h = view(rd, 0, SEG_HEADER_SIZE);
	return h ? key_problem(rd, h) : "read error";
}

static int read_segment(struct seg_reader *rd, uint32_t uid, const uint8_t key[KEY_SIZE],
			const struct seg_read_cb *cb)
{
	const char *problem;
	uint64_t start;

	rd->place = (struct seg_place){ .uid = uid };
	rd->key = key;
	rd->cb = cb;
	rd->good_end = 0;
	rd->created = INT64_MIN;
	problem = read_header(rd, uid, &start);
	if (problem) {
		report(rd, 0, problem);
		return 0;
	}
	return read_blocks(rd, start);
}

int seg_read_fd(struct seg_reader *rd, int fd, uint32_t uid, const uint8_t key[KEY_SIZE],
		const struct seg_read_cb *cb)
{
	struct stat sb;

	if (fstat(fd, &sb))
		return -errno;
	rd->src = (struct seg_source){ .fd = fd, .size = (uint64_t)sb.st_size };
	return read_segment(rd, uid, key, cb);
}

int seg_read_mem(struct seg_reader *rd, const uint8_t *buf, size_t len, uint32_t uid,
		 const uint8_t key[KEY_SIZE], const struct seg_read_cb *cb)
{
	rd->src = (struct seg_source){ .mem = buf, .fd = -1, .size = len };
	return read_segment(rd, uid, key, cb);
}

int seg_read_block(struct seg_reader *rd, const uint8_t *buf, size_t len,
		   const struct seg_place *place, const uint8_t key[KEY_SIZE],
		   const struct seg_read_cb *cb)
{
	const uint8_t *payload;
	size_t opened_len, raw_len;
	uint32_t plen;

	rd->src = (struct seg_source){ .mem = buf, .fd = -1, .size = len };
	rd->place = *place;
	rd->key = key;
	rd->cb = cb;
	if (check_block(rd, 0, &payload, &plen) != BLOCK_OK || SEG_BLOCK_HEADER_SIZE + plen != len)
		return -EBADMSG;
	if (unpack_open(rd, place->offset, payload, plen, &opened_len))
		return -EKEYREJECTED;
	if (unpack_decompress(rd, opened_len, &raw_len)) {
		report(rd, place->offset, "undecodable block: bad zlib stream");
		return 0;
	}
	return decode_block(rd, place->offset, raw_len);
}

int seg_raw_open(struct seg_reader *rd, int fd, uint32_t uid, uint64_t *seq, const char **why)
{
	uint8_t h[SEG_HEADER_SIZE];
	struct stat sb;
	ssize_t n;

	if (fstat(fd, &sb))
		return -errno;
	/* No window yet: the caller may be far into the file, and reads from there. */
	rd->src = (struct seg_source){ .fd = fd, .size = (uint64_t)sb.st_size };
	/* seg_create writes the header in one write: a shorter file is one being created. */
	if (rd->src.size < SEG_HEADER_SIZE)
		return -EAGAIN;
	n = pread(fd, h, sizeof(h), 0);
	if (n != (ssize_t)sizeof(h))
		return n < 0 ? -errno : -EIO;
	*why = header_problem(h, uid);
	if (*why)
		return -EBADMSG;
	*seq = get_le64(h + 16);
	return 0;
}

int seg_raw_next(struct seg_reader *rd, uint64_t off, struct seg_raw_block *b)
{
	const uint8_t *payload;
	enum verdict v;
	struct stat sb;
	uint32_t len;
	uint64_t next;

	if (fstat(rd->src.fd, &sb))
		return -errno;
	rd->src.size = b->size = (uint64_t)sb.st_size;
	rd->src.err = 0;
	/*
	 * The window only ever holds bytes below a size that fstat gave, which writes had
	 * finished: it stays valid as the file grows, but not once it was cut back.
	 */
	if (b->size < off) {
		rd->src.window_len = 0;
		return -ESTALE;
	}
	v = check_block(rd, off, &payload, &len);
	if (v == BLOCK_OK) {
		b->offset = off;
		b->len = SEG_BLOCK_HEADER_SIZE + len;
		b->data = payload - SEG_BLOCK_HEADER_SIZE;
		return 1;
	}
	if (v == BLOCK_READ_ERROR)
		return rd->src.err;
	if (v == BLOCK_TORN)
		return 0;
	next = resync(rd, off + 1);
	if (rd->src.err)
		return rd->src.err;
	/* Nothing valid after it: the block being written, or a torn tail. */
	if (next == b->size)
		return 0;
	b->offset = next;
	b->why = damage_why(v, false);
	return -EBADMSG;
}

uint64_t seg_reader_good_end(const struct seg_reader *rd)
{
	/* After a read error, what lies beyond is unknown, not damaged. */
	return rd->src.err ? 0 : rd->good_end;
}

int64_t seg_reader_created(const struct seg_reader *rd)
{
	return rd->created;
}
