/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The records' way from the kernel (part of the kernel layer's interface: the daemon polls the
 * buffer that kernel_buffer() opens), whichever buffer the kernel path uses: a libbpf ring
 * buffer or a libbpf perf buffer over the same "events" map. Wakeups are batched either way:
 * poll the epoll fd with a timeout and consume after every wait, timed out or not.
 */
#ifndef EVTAP_BUFFER_H
#define EVTAP_BUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evtap_buffer;

/* One record; its size is the record's, without the perf buffer's padding. */
typedef int (*buffer_sample_fn)(void *ctx, void *data, size_t size);

/*
 * The early-wakeup threshold for a buffer of buffer_bytes: wakeup_bytes, but at most half the
 * buffer, so that a small buffer still wakes the collector before it fills.
 */
static inline uint32_t buffer_wakeup_bytes(uint32_t wakeup_bytes, size_t buffer_bytes)
{
	return wakeup_bytes < buffer_bytes / 2 ? wakeup_bytes : (uint32_t)(buffer_bytes / 2);
}

struct buffer_opts {
	bool perf;	       /* a perf buffer: the map is a BPF_MAP_TYPE_PERF_EVENT_ARRAY */
	size_t record_size;    /* perf: samples are padded to 8 bytes; trimmed back to this */
	size_t total_bytes;    /* perf: split over the CPUs (a power of two of pages each) */
	uint32_t wakeup_bytes; /* perf: each CPU's wakeup watermark; 0: wake for every record */
	/*
	 * perf: records start with a __u64 timestamp; the CPUs' buffers, read one after the
	 * other, are merged by it within each consume or poll (each CPU's order is kept).
	 */
	bool merge_by_ts;
};

int buffer_new(struct evtap_buffer **b, int map_fd, const struct buffer_opts *opts,
	       buffer_sample_fn fn, void *ctx);
int buffer_epoll_fd(const struct evtap_buffer *b);
/* Reads every record there is without waiting; returns how many, or a negative errno. */
int buffer_consume(struct evtap_buffer *b);
/* Waits up to timeout_ms for a wakeup, then reads; returns how many, or a negative errno. */
int buffer_poll(struct evtap_buffer *b, int timeout_ms);
/* Records the kernel reported lost to a full perf buffer (always 0 for the ring buffer). */
uint64_t buffer_lost(const struct evtap_buffer *b);
bool buffer_is_perf(const struct evtap_buffer *b);
/* b may be NULL. */
void buffer_free(struct evtap_buffer *b);

#endif /* EVTAP_BUFFER_H */
