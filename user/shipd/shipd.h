/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * evtap-shipd: ships the store's sealed blocks to NATS JetStream, at least once, never lost.
 * It reads blocks raw (no key), publishes each with its Msg-Id, and moves each user's
 * watermark over the blocks the stream acknowledged without a gap, fsync'ed, so that a restart
 * resumes there. Design and wire format: docs/FLEET.md.
 *
 * Threads: the loop (main.c) does everything but take acknowledgements, which libnats delivers
 * on its own thread (publish.c's handler): that only marks a flight, under the lock.
 */
#ifndef EVTAP_SHIPD_H
#define EVTAP_SHIPD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/un.h>
#include <nats/nats.h>
#include "fleet_conf.h"
#include "fleet_names.h"
#include "fleet_pseudonym.h"
#include "segment.h"

/* Why a publish failed: the publish_errors counters, and the "reason" label of the metric. */
enum ship_error {
	SHIP_ERR_TIMEOUT,	/* no acknowledgement in time */
	SHIP_ERR_NO_RESPONDERS, /* no stream leader (an election, a cluster without quorum) */
	SHIP_ERR_REFUSED,	/* the server said no: permissions, a full stream, an API error */
	SHIP_ERR_CONNECTION,	/* the connection was lost or closed with the publish pending */
	SHIP_ERR_OTHER,
	SHIP_ERR_MAX,
};

enum flight_state { FLIGHT_PENDING, FLIGHT_ACKED, FLIGHT_FAILED };

/*
 * One entry of a user's queue, in file order. A block is acknowledged or failed by the
 * stream; a mark (len 0: the sender moved to the next segment, or past damage) is settled at
 * once, so that the watermark follows the sender there once everything before it is acked.
 */
struct flight {
	uint64_t seq;
	uint64_t off; /* of the block; for a mark, where the sender went on */
	uint32_t len; /* header and payload; 0 for a mark */
	enum flight_state state;
	enum ship_error why;	     /* when failed */
	int64_t sent_ns, settled_ns; /* monotonic: handed to libnats, acknowledged or failed */
};

struct ship_pos {
	uint64_t seq;
	uint64_t off;
};

struct ship_user {
	uint32_t uid;
	char person[FLEET_PSEUDONYM_LEN + 1];
	int dir_fd;
	struct ship_pos wm;	 /* everything before it is acknowledged, durably */
	struct ship_pos next;	 /* the next block to send */
	struct ship_pos durable; /* evtapd's durable position (share.h): nothing beyond it */
	int seg_fd;		 /* next.seq's segment, -1 until opened */
	uint64_t *seqs;		 /* the user's segments at the last scan, ascending */
	size_t n_seqs;
	char key_hash[33];	   /* of the sealed key last published, "" for none */
	struct timespec key_mtime; /* key.sealed's when it was last found published */
	struct flight *fl;	   /* ring of cap entries */
	size_t fl_head, fl_count, fl_cap;
	bool rewind;	     /* a publish failed: resend from wm once the queue is settled */
	int64_t retry_at;    /* monotonic ns: after a failed publish, of a block or the key */
	bool seen;	     /* in the last scan of the data dir */
	bool fresh;	     /* no watermark yet: from the first segment there is */
	bool wm_dirty;	     /* wm moved since it was last written */
	int64_t wm_saved_at; /* monotonic ns, when it was last written */
	uint64_t shipped_blocks, shipped_bytes, backlog_bytes;
	uint64_t expired_segments, damaged;
};

struct shipd_counters {
	uint64_t shipped_blocks, shipped_bytes, duplicates;
	uint64_t errors[SHIP_ERR_MAX];
	uint64_t expired_segments, damaged, keys_published;
	uint64_t reconnects;
	uint64_t backlog_bytes;
};

struct shipd {
	struct fleet_conf conf;
	const char *data_dir;
	const char *state_dir;
	/* evtapd's control socket: the config file's [evtapd] socket, as evtapd reads it */
	char evtapd_socket[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char host[FLEET_PSEUDONYM_LEN + 1];
	unsigned char pseudonym_key[FLEET_KEY_LEN];
	int data_fd, state_fd;
	natsConnection *nc;
	jsCtx *js;
	pthread_mutex_t lock; /* the flights' states, which the ack handler sets */
	struct ship_user **users;
	size_t n_users;
	struct seg_reader *rd;
	unsigned int in_flight; /* data publishes not yet settled, all users */
	double tokens;		/* the ship-rate bucket */
	int64_t tokens_at;
	int64_t backoff_ns; /* the next retry's delay, doubled up to a bound */
	struct shipd_counters c;
	uint8_t report_hash[16]; /* of what the status said when last written */
	int64_t report_at;
	/* The loop calls it for each block's flight it settles: the bench's hook; NULL here. */
	void (*on_settled)(struct shipd *sd, const struct flight *f);
};

/* users.c: the data dir's users, their pseudonyms, segments and backlog. */
void users_scan(struct shipd *sd);
struct ship_user *users_find_person(struct shipd *sd, const char *person);
void users_free(struct shipd *sd);
/* Whether u has a segment after seq, and the first one; false if not. */
bool users_next_seq(const struct ship_user *u, uint64_t seq, uint64_t *next);

/* watermark.c: one small file per uid in the state dir. */
int watermark_load(struct shipd *sd, struct ship_user *u);
int watermark_save(struct shipd *sd, struct ship_user *u);

/* publish.c: the connection, and one publish of a block or of a sealed key. */
int publish_open(struct shipd *sd, char *err, size_t errlen);
void publish_close(struct shipd *sd);
bool publish_connected(struct shipd *sd);
/* 0 once handed to libnats (settled later by the ack handler), or a negative errno. */
int publish_block(struct shipd *sd, struct ship_user *u, const struct seg_raw_block *b,
		  uint64_t seq);
/* Synchronous: 0 once the stream acknowledged it, or -1 with the reason counted. */
int publish_key(struct shipd *sd, struct ship_user *u, const uint8_t *sealed, size_t len);
/* Waits up to timeout_ms for the publishes in flight to settle (at shutdown). */
void publish_drain(struct shipd *sd, int64_t timeout_ms);
uint64_t publish_reconnects(struct shipd *sd);

/* flights.c: the queues, and the watermark moving over what was acknowledged. */
struct flight *flights_push(struct ship_user *u);
struct flight *flights_find(struct ship_user *u, uint64_t seq, uint64_t off);
/* The watermarks are written at most every 200 ms per user while busy; force: now. */
void flights_settle(struct shipd *sd, bool force);

/* send.c: the sender, user by user, within in-flight and rate bounds. */
bool send_all(struct shipd *sd, int64_t now);

/* keyship.c: publishes a user's key.sealed once, and again only if it changes. */
bool keyship_ready(struct shipd *sd, struct ship_user *u);

/* report.c: status.json for `evtap status`, metrics.prom for Prometheus; final at stop. */
void report_write(struct shipd *sd, bool final);
/* The reason's name in status.json, the metrics and the heartbeat: "timeout", ... */
const char *ship_error_name(enum ship_error e);

/* loop.c: the loop's turn (false if it sent nothing: the caller idles), and its end. */
#define LOOP_IDLE_NS 20000000L /* a turn that sent nothing is followed by this long a sleep */
struct loop_times {
	int64_t next_scan, next_report; /* monotonic ns */
};
bool loop_turn(struct shipd *sd, struct loop_times *t, int64_t now);
/* At stop: waits for the acknowledgements due, writes the watermarks and the final report. */
void loop_finish(struct shipd *sd);

/*
 * modules.c: steps other parts of shipd run in the loop over the same connection (consent
 * sync, forget: docs/FLEET.md); each has a start and a poll.
 */
int modules_start(struct shipd *sd);
void modules_poll(struct shipd *sd, int64_t now);
void modules_stop(struct shipd *sd);

#endif /* EVTAP_SHIPD_H */
