// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The counters of the kernel, the collector and the store, by group and name. */
#include <string.h>
#include "buffer.h"
#include "counters.h"
#include "daemon.h"
#include "kernel.h"
#include "names.h"

static const struct counter_group kernel_group = {
	"kernel", "evtap_kernel_events_total", "outcome",
	"Input events by what the kernel programs did with them: seen, emitted, gated, lost."
};
static const struct counter_group display_group = {
	"display", "evtap_display_events_total", "outcome",
	"Display events (commits, flips, damage) by what the kernel programs did with them."
};
static const struct counter_group hits_group = { "display_hooks.hits",
						 "evtap_display_hook_hits_total", "hook",
						 "Entries of each display hook, before any gate." };
static const struct counter_group missed_group = {
	"missed", "evtap_missed_events_total", "reason",
	"Events that never entered the programs: one was already running on that CPU."
};
static const struct counter_group collector_group = {
	"collector", NULL, NULL, "The collector: records received, requests served."
};
static const struct counter_group dropped_group = {
	"collector.dropped", "evtap_collector_dropped_total", "reason",
	"Records dropped by the collector's second consent check, by reason."
};
static const struct counter_group store_group = {
	"store", NULL, NULL, "The store: what reached the disk and was fsync'ed."
};
static const struct counter_group unpersisted_group = {
	"store.unpersisted", "evtap_store_unpersisted_records_total", "reason",
	"Records that were not persisted, by reason."
};

static const char *store_loss_name(int i)
{
	static const char *const names[] = { "no_space",  "io",	     "fsync",
					     "discarded", "invalid", "no_memory" };

	return i < (int)(sizeof(names) / sizeof(names[0])) ? names[i] : NULL;
}

void counters_walk(struct daemon *d, counter_fn fn, void *ctx)
{
	const struct store_stats *ss = store_stats(d->store);
	const struct collector_stats *cs = &d->stats;
	__u64 kstats[EVTAP_STAT_MAX] = { 0 }, dstats[EVTAP_STAT_MAX] = { 0 };
	__u64 hits[EVTAP_DHOOK_MAX] = { 0 }, misses = 0;

	kernel_read_stats(d->kernel, kstats);
	kernel_read_display_stats(d->kernel, dstats, hits);
	kernel_read_misses(d->kernel, &misses);
	for (int i = 0; i < EVTAP_STAT_MAX; i++)
		fn(ctx, &kernel_group, evtap_stat_name(i), kstats[i]);
	for (int i = 0; i < EVTAP_STAT_MAX; i++)
		fn(ctx, &display_group, evtap_stat_name(i), dstats[i]);
	for (int i = 0; i < EVTAP_DHOOK_MAX; i++)
		fn(ctx, &hits_group, evtap_dhook_name(i), hits[i]);
	fn(ctx, &missed_group, "recursion", misses);
	fn(ctx, &collector_group, "received", cs->received);
	fn(ctx, &collector_group, "malformed", cs->malformed);
	/* Samples the kernel could not write to a full perf buffer (the ring buffer: 0). */
	fn(ctx, &collector_group, "lost_perf_buffer", buffer_lost(d->ringbuf));
	fn(ctx, &collector_group, "counts_records", cs->counts_records);
	fn(ctx, &collector_group, "display_records", cs->display_records);
	fn(ctx, &collector_group, "wakeups", cs->wakeups);
	fn(ctx, &collector_group, "requests", cs->requests);
	fn(ctx, &collector_group, "requests_refused", cs->requests_refused);
	fn(ctx, &collector_group, "connections_refused", control_refused(d->control));
	fn(ctx, &collector_group, "accept_no_fd", control_no_fd(d->control));
	/* The collector's second check drops only for the gate's reasons. */
	for (int i = EVTAP_STAT_GATE_NO_SESSION; i <= EVTAP_STAT_GATE_LEVEL_OFF; i++)
		fn(ctx, &dropped_group, evtap_stat_name(i), cs->dropped[i]);
	fn(ctx, &store_group, "records_persisted", ss->records_persisted);
	fn(ctx, &store_group, "blocks_persisted", ss->blocks_persisted);
	fn(ctx, &store_group, "bytes_persisted", ss->bytes_persisted);
	for (int i = 0; i < STORE_LOSS_MAX; i++)
		if (store_loss_name(i))
			fn(ctx, &unpersisted_group, store_loss_name(i), ss->unpersisted[i]);
}

struct prom_ctx {
	FILE *out;
	const struct counter_group *last; /* whose HELP and TYPE are out */
};

static void write_metric(void *ctx, const struct counter_group *g, const char *name, uint64_t value)
{
	struct prom_ctx *p = ctx;
	char metric[128];

	if (g->metric) {
		snprintf(metric, sizeof(metric), "%s", g->metric);
	} else {
		snprintf(metric, sizeof(metric), "evtap_%s_%s_total", g->json, name);
		for (char *c = metric; *c; c++)
			if (*c == '.')
				*c = '_';
	}
	if (!g->metric || p->last != g)
		fprintf(p->out, "# HELP %s %s\n# TYPE %s counter\n", metric, g->help, metric);
	p->last = g;
	if (g->label)
		fprintf(p->out, "%s{%s=\"%s\"} %llu\n", metric, g->label, name,
			(unsigned long long)value);
	else
		fprintf(p->out, "%s %llu\n", metric, (unsigned long long)value);
}

void counters_write_prometheus(void *daemon, FILE *out)
{
	struct prom_ctx p = { .out = out };

	counters_walk(daemon, write_metric, &p);
}
