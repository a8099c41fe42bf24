// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The buffer abstraction (user/buffer.h). The perf buffer is opened raw so that its wakeups
 * can be batched like the ring buffer's: libbpf's perf_buffer__new wakes the reader for every
 * sample (wakeup_events = 1), while a wakeup watermark wakes it once that many bytes wait in a
 * CPU's buffer; the poll timeout bounds how long a record waits below it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <bpf/libbpf.h>
#include "buffer.h"

/* A sample held for the merge: its CPU and size; its bytes are in evtap_buffer.data. */
struct pending {
	int cpu;
	size_t size;
};

struct evtap_buffer {
	struct ring_buffer *rb;
	struct perf_buffer *pb;
	buffer_sample_fn fn;
	void *ctx;
	size_t record_size;
	uint64_t lost;
	int err;   /* the first error of a sample callback, as libbpf's ring buffer returns it */
	int count; /* samples read by the current consume or poll */
	bool merge;
	/* merge: the samples of the current consume or poll, each CPU's in a run, in order */
	struct pending *pending;
	char *data; /* record_size bytes per pending sample */
	size_t npending, cap;
};

struct perf_sample_raw {
	struct perf_event_header header;
	__u32 size;
	char data[];
};

struct perf_lost {
	struct perf_event_header header;
	__u64 id;
	__u64 lost;
};

static enum bpf_perf_event_ret hold(struct evtap_buffer *b, int cpu, const void *data, size_t size)
{
	size_t cap = b->cap ? b->cap * 2 : 256;
	void *p;

	if (b->npending == b->cap) {
		if (!(p = realloc(b->pending, cap * sizeof(*b->pending))))
			goto nomem;
		b->pending = p;
		if (!(p = realloc(b->data, cap * b->record_size)))
			goto nomem;
		b->data = p;
		b->cap = cap;
	}
	b->pending[b->npending] =
		(struct pending){ cpu, size < b->record_size ? size : b->record_size };
	memcpy(b->data + b->npending * b->record_size, data, b->pending[b->npending].size);
	b->npending++;
	return LIBBPF_PERF_EVENT_CONT;
nomem:
	if (!b->err)
		b->err = -ENOMEM;
	return LIBBPF_PERF_EVENT_ERROR;
}

static __u64 held_ts(const struct evtap_buffer *b, size_t i)
{
	__u64 ts = 0;

	if (b->pending[i].size >= sizeof(ts))
		memcpy(&ts, b->data + i * b->record_size, sizeof(ts));
	return ts;
}

/*
 * Each CPU's samples are in order, but the CPUs' buffers are read one after the other: merge
 * the runs by timestamp, keeping each run's own order, so that records reach the collector in
 * the order they happened, as with the ring buffer.
 */
#define MAX_RUNS 256

static void deliver(struct evtap_buffer *b, size_t i)
{
	int err = b->fn(b->ctx, b->data + i * b->record_size, b->pending[i].size);

	if (err && !b->err)
		b->err = err;
}

static void deliver_held(struct evtap_buffer *b)
{
	size_t heads[MAX_RUNS], ends[MAX_RUNS], nruns = 0, best, i;

	/* The runs: consecutive samples of one CPU. Past MAX_RUNS, in the order read. */
	for (i = 0; i < b->npending; i++) {
		if (nruns && b->pending[i].cpu == b->pending[i - 1].cpu)
			continue;
		if (nruns == MAX_RUNS)
			break;
		if (nruns)
			ends[nruns - 1] = i;
		heads[nruns++] = i;
	}
	if (nruns)
		ends[nruns - 1] = i;
	for (;;) {
		best = nruns;
		for (size_t r = 0; r < nruns; r++)
			if (heads[r] < ends[r] &&
			    (best == nruns || held_ts(b, heads[r]) < held_ts(b, heads[best])))
				best = r;
		if (best == nruns)
			break;
		deliver(b, heads[best]++);
	}
	for (; i < b->npending; i++)
		deliver(b, i);
	b->npending = 0;
}

static enum bpf_perf_event_ret on_perf_event(void *ctx, int cpu, struct perf_event_header *e)
{
	struct evtap_buffer *b = ctx;
	struct perf_sample_raw *s = (void *)e;
	size_t size;
	int err;

	if (e->type == PERF_RECORD_LOST) {
		b->lost += ((struct perf_lost *)e)->lost;
		return LIBBPF_PERF_EVENT_CONT;
	}
	if (e->type != PERF_RECORD_SAMPLE)
		return LIBBPF_PERF_EVENT_CONT;
	size = s->size;
	/* The raw sample and its u32 size are padded to 8 bytes: at most 7 bytes too many. */
	if (b->record_size && size >= b->record_size && size - b->record_size < 8)
		size = b->record_size;
	b->count++;
	if (b->merge)
		return hold(b, cpu, s->data, size);
	err = b->fn(b->ctx, s->data, size);
	if (err && !b->err)
		b->err = err;
	return err ? LIBBPF_PERF_EVENT_ERROR : LIBBPF_PERF_EVENT_CONT;
}

/* Pages per CPU: total_bytes split over the CPUs, a power of two, at least 8 pages. */
static size_t perf_pages(size_t total_bytes)
{
	long page = sysconf(_SC_PAGESIZE);
	int ncpus = libbpf_num_possible_cpus();
	size_t want, pages = 8;

	want = total_bytes / (size_t)page / (size_t)(ncpus > 0 ? ncpus : 1);
	while (pages * 2 <= want)
		pages *= 2;
	return pages;
}

static int open_perf(struct evtap_buffer *b, int map_fd, const struct buffer_opts *opts)
{
	size_t pages = perf_pages(opts->total_bytes ?: 4 << 20);
	size_t bytes = pages * (size_t)sysconf(_SC_PAGESIZE);
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_BPF_OUTPUT,
		.sample_type = PERF_SAMPLE_RAW,
		.sample_period = 1,
	};

	if (opts->wakeup_bytes) {
		attr.watermark = 1;
		attr.wakeup_watermark = buffer_wakeup_bytes(opts->wakeup_bytes, bytes);
	} else {
		attr.wakeup_events = 1;
	}
	b->pb = perf_buffer__new_raw(map_fd, pages, &attr, on_perf_event, b, NULL);
	return b->pb ? 0 : -errno;
}

int buffer_new(struct evtap_buffer **out, int map_fd, const struct buffer_opts *opts,
	       buffer_sample_fn fn, void *ctx)
{
	struct evtap_buffer *b = calloc(1, sizeof(*b));
	int err;

	if (!b)
		return -ENOMEM;
	b->fn = fn;
	b->ctx = ctx;
	b->record_size = opts->record_size;
	b->merge = opts->perf && opts->merge_by_ts && opts->record_size >= sizeof(__u64);
	if (opts->perf) {
		err = open_perf(b, map_fd, opts);
	} else {
		b->rb = ring_buffer__new(map_fd, fn, ctx, NULL);
		err = b->rb ? 0 : -errno;
	}
	if (err) {
		free(b);
		return err;
	}
	*out = b;
	return 0;
}

int buffer_epoll_fd(const struct evtap_buffer *b)
{
	return b->pb ? perf_buffer__epoll_fd(b->pb) : ring_buffer__epoll_fd(b->rb);
}

/* perf_buffer__consume returns 0 or an error, not a count: count what the callback saw. */
static int perf_result(struct evtap_buffer *b, int ret)
{
	int err, count;

	if (b->npending)
		deliver_held(b);
	err = b->err;
	count = b->count;

	b->err = 0;
	b->count = 0;
	if (err)
		return err;
	return ret < 0 ? ret : count;
}

int buffer_consume(struct evtap_buffer *b)
{
	if (!b->pb)
		return ring_buffer__consume(b->rb);
	return perf_result(b, perf_buffer__consume(b->pb));
}

int buffer_poll(struct evtap_buffer *b, int timeout_ms)
{
	int ret;

	if (!b->pb)
		return ring_buffer__poll(b->rb, timeout_ms);
	/* perf_buffer__poll counts the CPUs woken, not the records: the callback counts. */
	ret = perf_buffer__poll(b->pb, timeout_ms);
	return perf_result(b, ret);
}

uint64_t buffer_lost(const struct evtap_buffer *b)
{
	return b ? b->lost : 0;
}

bool buffer_is_perf(const struct evtap_buffer *b)
{
	return b && b->pb;
}

void buffer_free(struct evtap_buffer *b)
{
	if (!b)
		return;
	ring_buffer__free(b->rb);
	perf_buffer__free(b->pb);
	free(b->pending);
	free(b->data);
	free(b);
}
