/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* evtapd's state, shared by its lifecycle (daemon.c), collector and request handlers. */
#ifndef EVTAP_DAEMON_H
#define EVTAP_DAEMON_H

#include <stdbool.h>
#include "children.h"
#include "consent.h"
#include "control.h"
#include "devices.h"
#include "evtap.h"
#include "options.h"
#include "policy.h"
#include "prevs.h"
#include "privdrop.h"
#include "session.h"
#include "store.h"

struct kernel;
struct evtap_buffer;

/* What the collector itself dropped or failed on, beyond the kernel's counters. */
struct collector_stats {
	uint64_t received;		  /* records read from the ring buffer */
	uint64_t dropped[EVTAP_STAT_MAX]; /* by EVTAP_STAT_GATE_* reason, at the second check */
	uint64_t malformed;		  /* records of the wrong size */
	uint64_t counts_records;	  /* level counts records made */
	uint64_t display_records;	  /* display records made */
	uint64_t wakeups;		  /* returns from the event loop's wait */
	uint64_t requests;
	uint64_t requests_refused;
};

struct daemon {
	const struct daemon_config *cfg; /* &config */
	struct daemon_config config;	 /* what SIGHUP can change live changes here */
	struct metrics *metrics;
	struct kernel *kernel;
	struct evtap_buffer *ringbuf; /* the ring or perf buffer (user/kernel/buffer.h) */
	struct store *store;
	struct consent *consent;
	struct devices *devices;
	struct session_source *session;
	struct control *control;
	struct evtap_fleet fleet;
	struct privdrop_user user; /* --user: who evtapd is once the programs are loaded */
	char seat_names[EVTAP_MAX_SEATS][SESSION_SEAT_NAME_MAX];
	struct evtap_seat seats[EVTAP_MAX_SEATS];
	int nseats;
	struct prevs counts_prev;  /* each user's counts totals at the last interval */
	struct prevs display_prev; /* struct evtap_display by struct evtap_display_key */
	int64_t now_mono;	   /* when the current batch started: set by daemon_drain only */
	int64_t last_flush;
	int64_t last_counts;
	struct collector_stats stats;
	struct children children; /* streaming exports and audit reads */
	int epfd, sigfd;	  /* the event loop's, and its signals' */
	int lock_fd;		  /* the instance lock, held while running */
	int metrics_timer;	  /* ticks every metrics-interval: a new snapshot; -1: no metrics */
	/* Fleet mode: evtap-shipd's user and group, and the outbox it publishes (outbox.h). */
	uid_t ship_uid;
	gid_t ship_gid;
	int outbox_fd; /* -1 outside fleet mode */
	/* The fleet's policy as evtap-shipd last gave it, and the local one (fleet_policy.h). */
	struct fleet_policy fleet_policy;
	int64_t fleet_policy_received; /* wall clock, ns; 0: none */
	struct policy_values local_policy;
};

/* collector.c: from the ring buffer and the counts and display maps to the store. */
int collector_on_event(void *ctx, void *data, size_t size);
/* The counts and display records of the interval that ends at the current batch. */
void collector_take_counts(struct daemon *d);

/* handlers.c: the control socket's requests. */
void handlers_on_request(void *ctx, struct control_client *client, const struct ucred *cred,
			 const struct request *req, const char *err);

/* daemon_start: another evtapd holds the instance lock (exit status 2). */
#define DAEMON_ERUNNING (-10001)

/* reload.c: SIGHUP re-reads the configuration file; flags still override it. */
void daemon_reload_config(struct daemon *d);
/*
 * Puts the policy in force, the lower of the fleet's (fleet mode) and the local one setting by
 * setting, into the kernel and the store, as a reload does: no record is lost to the switch.
 */
void daemon_apply_policy(struct daemon *d);

/* daemon.c */
int daemon_seat_id(struct daemon *d, const char *name);
/* The effective level of uid at now_mono (ns); *reason is set when it is off. */
int daemon_user_level(const struct daemon *d, uint32_t uid, int64_t now_mono, int *reason);
/*
 * SIGHUP: the configuration file, then the consent file; users gone from it are cleared from
 * the kernel's map, and what is buffered of users now off is discarded.
 */
void daemon_reload(struct daemon *d);
/* Flushes the store unless it was flushed less than max_age_ns ago. */
void daemon_flush(struct daemon *d, int64_t max_age_ns);
/* Starts a batch: now_mono is read here, then every record waiting is collected. */
void daemon_drain(struct daemon *d);
/*
 * Applies a changed consent entry: kernel map first, then buffered data, then the file, whose
 * result is *save_err. Returns 0 once it is in force, or a negative errno when nothing changed:
 * only a raise is ever refused (the kernel's map is full), never an opt-out, pause or lower
 * level. An entry that is what a user who never chose gets is removed rather than stored.
 */
int daemon_set_consent(struct daemon *d, const struct consent_user *u, int *save_err);
/*
 * The durable part of a change already in d->consent and the kernel: if uid's level is now off,
 * its buffered data is discarded (cut off durably), then the consent file is saved. Returns 0
 * or the first negative errno.
 */
int daemon_persist_consent(struct daemon *d, uint32_t uid);
/* Removes uid's entry when it records more than the default, as part of a forget. */
int daemon_forget_consent(struct daemon *d, uint32_t uid);
/* (Re)starts the metrics' snapshot timer at cfg->metrics_interval_ns; 0 or -errno. */
int daemon_arm_metrics(struct daemon *d);
/*
 * The lifecycle, in steps so that host tests can drive it over the kernel layer's double:
 * daemon_start loads the kernel side, the consent, seats and routes, then attaches and serves
 * the socket; daemon_periodic_work is one pass of the loop's work (drain, counts, flush,
 * requests); daemon_shutdown detaches, drains and flushes; daemon_stop frees everything, also
 * after a failed start. daemon_run is all of them around the event loop, for evtapd.
 */
int daemon_start(struct daemon *d, const struct daemon_config *cfg);
void daemon_periodic_work(struct daemon *d);
void daemon_shutdown(struct daemon *d);
void daemon_stop(struct daemon *d);
int daemon_run(const struct daemon_config *cfg);

#endif /* EVTAP_DAEMON_H */
