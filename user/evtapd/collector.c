// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The collector's second check: the kernel gated every event, but a record reserved before an
 * opt-out, a pause or a lower level took effect may still be in the ring buffer. Each record
 * is checked against the user's consent as it is now, and dropped if it is no longer allowed.
 */
#include <string.h>
#include "clock.h"
#include "daemon.h"
#include "evtap_policy.h"
#include "kernel.h"
#include "log.h"
#include "prevs.h"

int collector_on_event(void *ctx, void *data, size_t size)
{
	struct daemon *d = ctx;
	const struct evtap_event *ev = data;
	struct evtap_record rec;
	int reason = EVTAP_STAT_GATE_LEVEL_OFF;

	d->stats.received++;
	if (size < sizeof(*ev)) {
		d->stats.malformed++;
		return 0;
	}
	if (daemon_user_level(d, ev->uid, d->now_mono, &reason) < evtap_kind_min_level(ev->kind)) {
		d->stats.dropped[reason]++;
		return 0;
	}
	memset(&rec, 0, sizeof(rec));
	rec.ts_ns = clock_mono_to_wall(ev->ts_ns);
	rec.uid = ev->uid;
	rec.dev = ev->dev;
	rec.kind = ev->kind;
	rec.code = ev->code;
	rec.value = ev->value;
	rec.value2 = ev->value2;
	/* What the store refuses it counts, by reason: store.unpersisted.invalid, no_memory. */
	store_append(d->store, &rec, devices_get(d->devices, ev->dev));
	return 0;
}

/* The difference since the last interval; returns whether anything happened. */
static int counts_delta(const struct evtap_counts *now, const struct evtap_counts *prev,
			struct evtap_counts_rec *out)
{
	uint64_t any = 0;

	for (int i = 0; i < EVTAP_CLASS_MAX; i++)
		any |= out->keys[i] = now->keys[i] - prev->keys[i];
	any |= out->clicks = now->clicks - prev->clicks;
	any |= out->motion = now->motion - prev->motion;
	any |= out->scroll = now->scroll - prev->scroll;
	return any != 0;
}

static void on_counts(void *ctx, uint32_t uid, const struct evtap_counts *totals)
{
	struct daemon *d = ctx;
	struct evtap_counts *prev = prevs_get(&d->counts_prev, &uid, sizeof(uid), sizeof(*totals));
	struct evtap_record rec = { .kind = EVTAP_KIND_COUNTS, .uid = uid };
	int reason = EVTAP_STAT_GATE_LEVEL_OFF;

	if (!prev)
		return;
	if (counts_delta(totals, prev, &rec.counts)) {
		if (daemon_user_level(d, uid, d->now_mono, &reason) < EVTAP_LEVEL_COUNTS) {
			d->stats.dropped[reason]++;
		} else {
			rec.ts_ns = clock_mono_to_wall(d->now_mono);
			rec.counts.interval_ms =
				(uint32_t)((d->now_mono - d->last_counts) / 1000000);
			store_append(d->store, &rec, NULL);
			d->stats.counts_records++;
		}
	}
	*prev = *totals;
}

/* The difference since the last interval; returns whether anything happened. */
static int display_delta(const struct evtap_display *now, const struct evtap_display *prev,
			 struct evtap_display_rec *out)
{
	__u64 ppm = now->damage_ppm - prev->damage_ppm;

	out->commits = (uint32_t)(now->commits - prev->commits);
	out->flips = (uint32_t)(now->flips - prev->flips);
	out->damage_events = (uint32_t)(now->damage_events - prev->damage_events);
	/* A fraction of the frame: damage past a full frame in one interval is a full frame. */
	out->damage_ppm = ppm > EVTAP_DISPLAY_FULL_PPM ? EVTAP_DISPLAY_FULL_PPM : (uint32_t)ppm;
	return out->commits || out->flips || out->damage_events || ppm;
}

static void on_display(void *ctx, const struct evtap_display_key *key,
		       const struct evtap_display *totals)
{
	struct daemon *d = ctx;
	struct evtap_display *prev =
		prevs_get(&d->display_prev, key, sizeof(*key), sizeof(*totals));
	struct evtap_record rec = { .kind = EVTAP_KIND_DISPLAY, .uid = key->uid };
	int reason = EVTAP_STAT_GATE_LEVEL_OFF;

	if (!prev)
		return;
	if (display_delta(totals, prev, &rec.display)) {
		/* The second check, as for every record: consent may have changed since. */
		if (daemon_user_level(d, key->uid, d->now_mono, &reason) <
		    evtap_kind_min_level(EVTAP_KIND_DISPLAY)) {
			d->stats.dropped[reason]++;
		} else {
			rec.ts_ns = clock_mono_to_wall(d->now_mono);
			rec.display.crtc = key->crtc;
			rec.display.interval_ms =
				(uint32_t)((d->now_mono - d->last_counts) / 1000000);
			store_append(d->store, &rec, NULL);
			d->stats.display_records++;
		}
	}
	*prev = *totals;
}

void collector_take_counts(struct daemon *d)
{
	int err = kernel_read_counts(d->kernel, on_counts, d);

	if (err)
		log_warn("reading the counts map: %s", strerror(-err));
	err = kernel_read_display(d->kernel, on_display, d); /* the same interval */
	if (err)
		log_warn("reading the display map: %s", strerror(-err));
	d->last_counts = d->now_mono;
}
