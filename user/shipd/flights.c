// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Each user's queue of publishes in file order, and the watermark moving over it: only over
 * entries acknowledged without a gap before them, so that a block acknowledged out of order
 * never lets a restart skip one that was not.
 */
#include <inttypes.h>
#include <sodium.h>
#include "clock.h"
#include "log.h"
#include "shipd.h"

#define WM_EVERY_NS    200000000LL
#define BACKOFF_MIN_NS 500000000LL
#define BACKOFF_MAX_NS 8000000000LL /* a broker back is used within seconds */

struct flight *flights_push(struct ship_user *u)
{
	struct flight *f;

	if (u->fl_count == u->fl_cap)
		return NULL;
	f = &u->fl[(u->fl_head + u->fl_count) % u->fl_cap];
	u->fl_count++;
	return f;
}

/* The ack handler's lookup: acks come mostly in order, so the search starts at the head. */
struct flight *flights_find(struct ship_user *u, uint64_t seq, uint64_t off)
{
	for (size_t i = 0; i < u->fl_count; i++) {
		struct flight *f = &u->fl[(u->fl_head + i) % u->fl_cap];

		if (f->len && f->seq == seq && f->off == off)
			return f;
	}
	return NULL;
}

/*
 * A failed publish: the user resends from the watermark once all its flights are settled
 * (the stream's dedupe drops what had arrived), after a delay that grows while failures go on,
 * with jitter so that a fleet does not come back in step.
 */
static void fail(struct shipd *sd, struct ship_user *u, const struct flight *f)
{
	int64_t delay = sd->backoff_ns ? sd->backoff_ns : BACKOFF_MIN_NS;

	sd->c.errors[f->why]++;
	if (u->rewind)
		return;
	u->rewind = true;
	u->retry_at =
		clock_mono_ns() + delay / 2 + (int64_t)randombytes_uniform(1000) * delay / 2000;
	sd->backoff_ns = delay * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : delay * 2;
	log_warn("%.8s: publish of segment %" PRIu64 " offset %" PRIu64 " failed; resending from "
		 "segment %" PRIu64 " offset %" PRIu64 " in %lld ms",
		 u->person, f->seq, f->off, u->wm.seq, u->wm.off,
		 (long long)((u->retry_at - clock_mono_ns()) / 1000000));
}

static void acked(struct shipd *sd, struct ship_user *u, const struct flight *f)
{
	if (f->len) {
		u->shipped_blocks++;
		u->shipped_bytes += f->len;
		sd->c.shipped_blocks++;
		sd->c.shipped_bytes += f->len;
		sd->backoff_ns = 0;
	}
	/* After a failure, later acks are not contiguous with the watermark: they wait. */
	if (u->rewind)
		return;
	u->wm = (struct ship_pos){ f->seq, f->off + f->len };
	u->wm_dirty = true;
}

/* Pops the settled head of the queue. */
static void settle_user(struct shipd *sd, struct ship_user *u)
{
	while (u->fl_count) {
		struct flight f = u->fl[u->fl_head];

		if (f.state == FLIGHT_PENDING)
			break;
		u->fl_head = (u->fl_head + 1) % u->fl_cap;
		u->fl_count--;
		if (f.len)
			sd->in_flight--;
		if (f.len && sd->on_settled)
			sd->on_settled(sd, &f);
		if (f.state == FLIGHT_FAILED)
			fail(sd, u, &f);
		else
			acked(sd, u, &f);
	}
}

/*
 * The watermarks are written after the lock is let go: an fsync must not hold up the ack
 * handler. Only the loop touches them. While acknowledgements stream in, one write per user
 * per WM_EVERY_NS is enough: a crash resends at most that much, which dedupe drops. A failed
 * write is retried at the next settle.
 */
void flights_settle(struct shipd *sd, bool force)
{
	int64_t now = clock_mono_ns();

	pthread_mutex_lock(&sd->lock);
	for (size_t i = 0; i < sd->n_users; i++)
		settle_user(sd, sd->users[i]);
	pthread_mutex_unlock(&sd->lock);
	for (size_t i = 0; i < sd->n_users; i++) {
		struct ship_user *u = sd->users[i];

		if (!u->wm_dirty || (!force && u->fl_count && now - u->wm_saved_at < WM_EVERY_NS))
			continue;
		if (!watermark_save(sd, u)) {
			u->wm_dirty = false;
			u->wm_saved_at = now;
		}
	}
}
