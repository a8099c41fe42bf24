/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * evtapd's counters, walked with their names in one place for both `evtap stats` (JSON) and
 * the Prometheus metrics, so that the two cannot list different counters.
 */
#ifndef EVTAP_COUNTERS_H
#define EVTAP_COUNTERS_H

#include <stdint.h>
#include <stdio.h>

struct daemon;

struct counter_group {
	const char *json;   /* the object path in `evtap stats`: "kernel", "collector.dropped" */
	const char *metric; /* the Prometheus name; NULL: evtap_<json>_<counter>_total */
	const char *label;  /* the label naming each counter of metric; NULL when metric is */
	const char *help;
};

typedef void (*counter_fn)(void *ctx, const struct counter_group *g, const char *name,
			   uint64_t value);

/* Calls fn for every counter, group by group, in a fixed order. */
void counters_walk(struct daemon *d, counter_fn fn, void *ctx);

/* The counters in the Prometheus text exposition format (version 0.0.4). */
void counters_write_prometheus(void *daemon, FILE *out);

#endif /* EVTAP_COUNTERS_H */
