// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: the segment reader and block decoder, which export runs over files that a
 * crash, a bad disk or a bug may have damaged. Each input is read twice as a segment, from
 * memory and from a memfd through the file reader's window, with the key the seeds were sealed
 * with, and both reads must agree. As checksums and seals keep most mutations away from the
 * decoder, each input is also decoded as the contents of one block.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "segment.h"
#include "segment_key.h"

/* What a read delivered, folded into a few numbers. */
struct outcome {
	uint64_t records;
	uint64_t reports;
	uint64_t hash;
};

static void mix(struct outcome *o, uint64_t v)
{
	o->hash = (o->hash ^ v) * 0x100000001b3ull;
}

static int on_record(void *ctx, const struct evtap_record *rec, const struct evtap_device *dev)
{
	struct outcome *o = ctx;

	/* What the decoder promises its callers. */
	if (rec->kind < EVTAP_KIND_KEY || rec->kind >= EVTAP_KIND_MAX)
		abort();
	if (rec->kind == EVTAP_KIND_KEYCLASS && rec->code >= EVTAP_CLASS_MAX)
		abort();
	if (dev && (dev->index != rec->dev || dev->class > EVTAP_DEV_TOUCHPAD ||
		    memchr(dev->name, '\0', sizeof(dev->name)) == NULL))
		abort();
	o->records++;
	mix(o, (uint64_t)rec->ts_ns);
	mix(o, (uint64_t)rec->kind << 48 | (uint64_t)rec->code << 32 | rec->dev);
	mix(o, (uint64_t)(uint32_t)rec->value << 32 | (uint32_t)rec->value2);
	return 0;
}

static void on_corrupt(void *ctx, uint64_t offset, const char *why)
{
	struct outcome *o = ctx;

	o->reports++;
	mix(o, offset);
	mix(o, strlen(why));
}

static void decode_as_block(const uint8_t *data, size_t size)
{
	struct outcome o = { 0 };
	const struct evtap_device *dev;
	struct evtap_record rec;
	static struct codec_dec dec;

	if (codec_dec_start(&dec, data, size))
		return;
	while (codec_dec_next(&dec, &rec, &dev) > 0)
		on_record(&o, &rec, dev);
}

/* The uid the header names, so that mutations get past the header check. */
static uint32_t header_uid(const uint8_t *data, size_t size)
{
	return size >= SEG_HEADER_V2_SIZE ? get_le32(data + 12) : 0;
}

static void read_from_memfd(struct seg_reader *rd, int memfd, const uint8_t *data, size_t size,
			    const struct seg_read_cb *cb)
{
	if (ftruncate(memfd, 0) || (size && pwrite(memfd, data, size, 0) != (ssize_t)size))
		abort();
	if (seg_read_fd(rd, memfd, header_uid(data, size), fuzz_segment_key, cb))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct seg_reader *rd;
	static int memfd = -1;
	struct outcome in_mem = { 0 }, in_file = { 0 };
	struct seg_read_cb cb = { .record = on_record, .corrupt = on_corrupt };

	if (!rd) {
		rd = seg_reader_new();
		memfd = memfd_create("fuzz_segment", MFD_CLOEXEC);
		if (!rd || memfd < 0)
			abort();
	}
	cb.ctx = &in_mem;
	if (seg_read_mem(rd, data, size, header_uid(data, size), fuzz_segment_key, &cb))
		abort();
	cb.ctx = &in_file;
	read_from_memfd(rd, memfd, data, size, &cb);
	if (memcmp(&in_mem, &in_file, sizeof(in_mem)))
		abort();
	decode_as_block(data, size);
	return 0;
}
