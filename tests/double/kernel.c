// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The kernel layer over plain memory, for the daemon's host tests (kernel_double.h). */
#include <errno.h>
#include <string.h>
#include "kernel_double.h"

struct kernel_double kernel_double;

struct evtap_buffer {
	buffer_sample_fn fn;
	void *ctx;
};

static struct evtap_buffer the_buffer;

/* The daemon's struct kernel is opaque to it: the double's is the whole double. */
static struct kernel_double *of(const struct kernel *k)
{
	return (struct kernel_double *)k;
}

void kernel_double_reset(void)
{
	memset(&kernel_double, 0, sizeof(kernel_double));
	for (int i = 0; i < EVTAP_MAX_SEATS; i++)
		kernel_double.seats[i].uid = EVTAP_UID_NONE;
	memset(&the_buffer, 0, sizeof(the_buffer));
}

bool kernel_double_push(const struct evtap_event *ev)
{
	if (kernel_double.queued == DOUBLE_MAX_QUEUE)
		return false;
	kernel_double.queue[kernel_double.queued++] = *ev;
	kernel_double.stats[EVTAP_STAT_SEEN]++;
	kernel_double.stats[EVTAP_STAT_EMITTED]++;
	return true;
}

int kernel_open(struct kernel **k, const struct kernel_opts *opts)
{
	if (kernel_double.fail_open)
		return kernel_double.fail_open;
	kernel_double.open = true;
	kernel_double.fleet = opts->fleet;
	*k = (struct kernel *)&kernel_double;
	return 0;
}

int kernel_attach(struct kernel *k)
{
	of(k)->attached = true;
	of(k)->fleet_at_attach = of(k)->fleet;
	return 0;
}

void kernel_detach(struct kernel *k)
{
	of(k)->attached = false;
}

void kernel_close(struct kernel *k)
{
	if (k)
		of(k)->open = of(k)->attached = false;
}

int kernel_buffer(struct kernel *k, buffer_sample_fn fn, void *ctx, __u32 wakeup_bytes,
		  struct evtap_buffer **b)
{
	the_buffer.fn = fn;
	the_buffer.ctx = ctx;
	*b = &the_buffer;
	return 0;
}

const char *kernel_buffer_name(const struct kernel *k)
{
	return "ringbuf";
}

const char *kernel_attach_name(const struct kernel *k)
{
	return "fentry";
}

void kernel_set_fleet(struct kernel *k, const struct evtap_fleet *fleet)
{
	of(k)->fleet = *fleet;
}

int kernel_set_seat(struct kernel *k, __u32 seat, const struct evtap_seat *s)
{
	if (seat >= EVTAP_MAX_SEATS)
		return -E2BIG;
	of(k)->seats[seat] = *s;
	return 0;
}

int kernel_set_device_seat(struct kernel *k, __u32 dev, __u32 seat)
{
	if (dev >= DOUBLE_MAX_DEVICES)
		return -E2BIG;
	of(k)->device_seat[dev] = seat;
	return 0;
}

static void consent_changed(struct kernel_double *kd, __u32 uid)
{
	kd->consent_updates++;
	if (kd->on_consent)
		kd->on_consent(kd->on_consent_ctx, uid);
}

int kernel_set_consent(struct kernel *k, __u32 uid, const struct evtap_consent *c)
{
	if (uid >= DOUBLE_MAX_UIDS)
		return -E2BIG;
	/* As the kernel's hash map: a new key past max_entries is refused. */
	if (!of(k)->consent[uid].present && of(k)->consent_entries == EVTAP_MAX_USERS)
		return -E2BIG;
	of(k)->consent_entries += !of(k)->consent[uid].present;
	of(k)->consent[uid].present = true;
	of(k)->consent[uid].c = *c;
	consent_changed(of(k), uid);
	return 0;
}

int kernel_clear_consent(struct kernel *k, __u32 uid)
{
	if (uid >= DOUBLE_MAX_UIDS)
		return -E2BIG;
	of(k)->consent_entries -= of(k)->consent[uid].present;
	of(k)->consent[uid].present = false;
	consent_changed(of(k), uid);
	return 0;
}

int kernel_read_stats(struct kernel *k, __u64 out[EVTAP_STAT_MAX])
{
	memcpy(out, of(k)->stats, sizeof(of(k)->stats));
	return 0;
}

int kernel_read_display_stats(struct kernel *k, __u64 stats[EVTAP_STAT_MAX],
			      __u64 hits[EVTAP_DHOOK_MAX])
{
	memcpy(stats, of(k)->display_stats, sizeof(of(k)->display_stats));
	memcpy(hits, of(k)->display_hits, sizeof(of(k)->display_hits));
	return 0;
}

int kernel_read_misses(struct kernel *k, __u64 *misses)
{
	*misses = 0;
	return 0;
}

int kernel_read_counts(struct kernel *k, kernel_counts_fn fn, void *ctx)
{
	static const struct evtap_counts zero;

	for (__u32 uid = 0; uid < DOUBLE_MAX_UIDS; uid++)
		if (memcmp(&of(k)->counts[uid], &zero, sizeof(zero)))
			fn(ctx, uid, &of(k)->counts[uid]);
	return 0;
}

int kernel_read_display(struct kernel *k, kernel_display_fn fn, void *ctx)
{
	for (int i = 0; i < of(k)->ndisplay; i++)
		fn(ctx, &of(k)->display_keys[i], &of(k)->display[i]);
	return 0;
}

const struct kernel_display_hooks *kernel_display_hooks(const struct kernel *k)
{
	static const struct kernel_display_hooks none;

	return &none;
}

int buffer_epoll_fd(const struct evtap_buffer *b)
{
	return -1; /* nothing to wait for: the tests call daemon_periodic_work */
}

int buffer_consume(struct evtap_buffer *b)
{
	int n = kernel_double.queued;

	kernel_double.queued = 0;
	for (int i = 0; i < n; i++)
		b->fn(b->ctx, &kernel_double.queue[i], sizeof(kernel_double.queue[i]));
	return n;
}

uint64_t buffer_lost(const struct evtap_buffer *b)
{
	return 0;
}

void buffer_free(struct evtap_buffer *b)
{
}
