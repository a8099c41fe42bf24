// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The sender: for each user, the blocks after the last one sent, as long as the in-flight
 * bound, the ship rate and the connection allow. It never waits on the network: a bound
 * reached or a broker away leaves the rest in the store, which is the buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "shipd.h"

#define NS_PER_S 1000000000.0

/* A token bucket of one second's worth: a backlog drains at ship-rate, not in one burst. */
static bool rate_take(struct shipd *sd, int64_t now)
{
	double rate = sd->conf.ship_rate;

	if (!rate)
		return true;
	sd->tokens += (double)(now - sd->tokens_at) * rate / NS_PER_S;
	sd->tokens_at = now;
	if (sd->tokens > rate)
		sd->tokens = rate;
	if (sd->tokens < 1)
		return false;
	sd->tokens -= 1;
	return true;
}

/* A settled entry that moves the watermark along with the sender, in order with the blocks. */
static int push_mark(struct shipd *sd, struct ship_user *u, uint64_t seq, uint64_t off)
{
	struct flight *f;

	pthread_mutex_lock(&sd->lock);
	f = flights_push(u);
	if (f)
		*f = (struct flight){ .seq = seq, .off = off, .state = FLIGHT_ACKED };
	pthread_mutex_unlock(&sd->lock);
	if (!f)
		return -EAGAIN;
	u->next = (struct ship_pos){ seq, off };
	return 0;
}

static void close_segment(struct ship_user *u)
{
	if (u->seg_fd >= 0)
		close(u->seg_fd);
	u->seg_fd = -1;
}

static bool has_seq(const struct ship_user *u, uint64_t seq)
{
	for (size_t i = 0; i < u->n_seqs; i++)
		if (u->seqs[i] == seq)
			return true;
	return false;
}

/* Segments from..to-1 were deleted (retention) before they were all shipped. */
static void count_expired(struct shipd *sd, struct ship_user *u, uint64_t from, uint64_t to)
{
	if (u->fresh || from >= to)
		return;
	u->expired_segments += to - from;
	sd->c.expired_segments += to - from;
	log_warn("%.8s: segments %" PRIu64 " to %" PRIu64 " were deleted before they were all "
		 "shipped",
		 u->person, from, to - 1);
}

/*
 * Where next.seq is gone: the segments up to the first one left are counted; a store
 * numbered anew (the directory was made again) starts over at its first segment.
 */
static int find_segment(struct shipd *sd, struct ship_user *u)
{
	uint64_t first, from = u->next.seq;

	if (!u->n_seqs)
		return -EAGAIN;
	if (u->next.seq > u->seqs[u->n_seqs - 1])
		return push_mark(sd, u, u->seqs[0], SEG_HEADER_SIZE);
	if (!users_next_seq(u, u->next.seq, &first) || push_mark(sd, u, first, SEG_HEADER_SIZE))
		return -EAGAIN;
	count_expired(sd, u, from, first);
	return 0;
}

static int open_segment(struct shipd *sd, struct ship_user *u)
{
	char name[SEG_NAME_SIZE];

	if (!has_seq(u, u->next.seq) && find_segment(sd, u))
		return -EAGAIN;
	seg_name(name, u->next.seq);
	u->seg_fd = openat(u->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	/* Gone since the scan: the next scan says what is there. */
	return u->seg_fd < 0 ? -errno : 0;
}

/* The segment is done: on to the next one, if there is one; the open one is waited on. */
static int next_segment(struct shipd *sd, struct ship_user *u, const struct seg_raw_block *b)
{
	uint64_t next, from = u->next.seq + 1;

	if (!users_next_seq(u, u->next.seq, &next))
		return -EAGAIN;
	if (b->size > u->next.off) {
		u->damaged++;
		sd->c.damaged++;
		log_warn("%.8s: segment %" PRIu64 ": torn tail at offset %" PRIu64 ", not shipped",
			 u->person, u->next.seq, u->next.off);
	}
	if (push_mark(sd, u, next, SEG_HEADER_SIZE))
		return -EAGAIN;
	count_expired(sd, u, from, next);
	close_segment(u);
	return 0;
}

static void skip_damage(struct shipd *sd, struct ship_user *u, const struct seg_raw_block *b)
{
	u->damaged++;
	sd->c.damaged++;
	log_warn("%.8s: segment %" PRIu64 " offset %" PRIu64 ": %s: skipped to offset %" PRIu64,
		 u->person, u->next.seq, u->next.off, b->why, b->offset);
	push_mark(sd, u, u->next.seq, b->offset);
}

static bool room(const struct shipd *sd, const struct ship_user *u)
{
	/* One entry is kept for the mark that ends a segment or skips damage. */
	return sd->in_flight < sd->conf.max_in_flight && u->fl_count + 1 < u->fl_cap;
}

/*
 * Whether the bytes of the current segment up to end are durable and beyond any discard
 * (evtapd's durable position, share.h): an opted-out person's blocks that an opt-out cuts
 * must never have left the machine.
 */
static bool settled(const struct ship_user *u, uint64_t end)
{
	return u->next.seq < u->durable.seq ||
	       (u->next.seq == u->durable.seq && end <= u->durable.off);
}

/* One step at next: 1 sent, 0 moved without sending, -1 nothing to do now. */
static int step(struct shipd *sd, struct ship_user *u, int64_t now)
{
	struct seg_raw_block b;
	int r;

	if (!settled(u, u->next.off + 1))
		return -1;
	r = seg_raw_next(sd->rd, u->next.off, &b);
	switch (r) {
	case 1:
		if (!settled(u, u->next.off + b.len) || !rate_take(sd, now) ||
		    publish_block(sd, u, &b, u->next.seq))
			return -1;
		u->next.off += b.len;
		return 1;
	case 0:
		return next_segment(sd, u, &b) ? -1 : 0;
	case -EBADMSG:
		skip_damage(sd, u, &b);
		return 0;
	case -ESTALE:
		log_warn("%.8s: segment %" PRIu64 " was cut back to %" PRIu64 " bytes", u->person,
			 u->next.seq, b.size);
		return push_mark(sd, u, u->next.seq, b.size) ? -1 : 0;
	default:
		log_err("%.8s: segment %" PRIu64 ": %s", u->person, u->next.seq, strerror(-r));
		return -1;
	}
}

/* The segment at next, its header checked; false if there is none to read now. */
static bool start_segment(struct shipd *sd, struct ship_user *u)
{
	const char *why = NULL;
	uint64_t seq;
	int r;

	if (u->seg_fd < 0 && open_segment(sd, u))
		return false;
	r = seg_raw_open(sd->rd, u->seg_fd, u->uid, &seq, &why);
	if (!r && seq == u->next.seq)
		return true;
	if (r == -EBADMSG || !r) {
		u->damaged++;
		sd->c.damaged++;
		log_warn("%.8s: segment %" PRIu64 ": %s: not shipped", u->person, u->next.seq,
			 why ? why : "header names another segment");
		if (!push_mark(sd, u, u->next.seq + 1, SEG_HEADER_SIZE))
			close_segment(u);
	}
	return false;
}

static bool send_user(struct shipd *sd, struct ship_user *u, int64_t now)
{
	bool sent = false;
	int r = 0;

	if (u->rewind) {
		if (u->fl_count || now < u->retry_at)
			return false;
		u->rewind = false;
		u->next = u->wm;
		close_segment(u);
	}
	if (!keyship_ready(sd, u) || !start_segment(sd, u))
		return false;
	while (r >= 0 && !u->rewind && room(sd, u) && publish_connected(sd)) {
		r = step(sd, u, now);
		sent |= r > 0;
		if (u->seg_fd < 0)
			break; /* moved to the next segment: the next round opens it */
	}
	return sent;
}

bool send_all(struct shipd *sd, int64_t now)
{
	bool sent = false;

	for (size_t i = 0; i < sd->n_users; i++)
		sent |= send_user(sd, sd->users[i], now);
	return sent;
}
