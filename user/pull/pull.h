/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * evtap-pull (docs/FLEET.md, "The pipeline"): the pipeline's durable pull consumer on
 * EVTAP_DATA. For each block: the person's key from the custodian (keycache.c), the block
 * opened and its seal checked against (uid, segment, offset), records above the released level
 * dropped, the rest written as JSON lines under DIR/<person>/<day>.jsonl (partition.c), made
 * durable with the block's id (seen.c), and only then acknowledged.
 */
#ifndef EVTAP_PULL_H
#define EVTAP_PULL_H

#include <stdint.h>
#include <stdio.h>
#include <nats/nats.h>
#include "fleet_names.h"
#include "segment.h"

#define PULL_WAIT_MS   2000 /* a release request, a bucket get */
#define PULL_MAX_FILES 64   /* partitions kept open at once */

struct pull_stats {
	uint64_t blocks, records, dropped_level, duplicates, refused, bad;
};

/* A released key, or a refusal, for one person on one host; kept in memory only. */
struct key_entry {
	char person[FLEET_PSEUDONYM_LEN + 1];
	char host[FLEET_PSEUDONYM_LEN + 1];
	int64_t expires; /* CLOCK_MONOTONIC ns */
	uint32_t uid;
	uint8_t key[KEY_SIZE];
	int level;	  /* released: enum evtap_level */
	char refused[64]; /* empty when released */
};

/* <person>/<YYYY-MM-DD>.jsonl, relative to DIR, and its length bound as a scanf width. */
#define PARTITION_PATH_MAX   63
#define PARTITION_PATH_SCANF "%63s"

struct partition {
	char path[PARTITION_PATH_MAX + 1];
	FILE *f;
	int dirty;
};

struct pull {
	natsConnection *nc;
	jsCtx *js;
	natsSubscription *sub;
	kvStore *forget, *receipts;
	kvWatcher *forget_watch;
	const char *purpose;
	int out_fd; /* DIR */
	int64_t key_ttl_ns;
	struct key_entry *keys;
	int nkeys;
	struct partition parts[PULL_MAX_FILES];
	int nparts;
	struct seen *seen;
	struct seg_reader *reader;
	struct pull_stats st;
};

/* The entry for person on host: cached while fresh, else asked of the custodian. */
const struct key_entry *keycache_get(struct pull *p, const char *person, const char *host,
				     uint64_t segment, int *unreachable);
/* Forgets everything cached of person. */
void keycache_drop(struct pull *p, const char *person);

/* The open partition file for person on the day of ts_ns, or NULL with errno. */
FILE *partition_file(struct pull *p, const char *person, int64_t ts_ns);
/* Flushes and fsyncs every partition written since the last sync. Returns 0 or -errno. */
int partition_sync(struct pull *p);
/* Closes person's partitions and removes DIR/<person>. Returns 0 or -errno. */
int partition_remove(struct pull *p, const char *person);

/*
 * The dedupe and recovery log DIR/.seen: each block's id once its records are durable, and
 * each partition's size at that point. Opening it cuts every partition back to its last
 * recorded size, so that records written for a block whose id was not recorded (a crash
 * between the two) are written again exactly once when the block comes back.
 */
struct seen;
int seen_open(struct seen **out, int dir_fd);
void seen_close(struct seen *s);
int seen_has(const struct seen *s, const char *id);
/* Remembers id in memory, so that a second copy in the same batch is a duplicate too. */
int seen_add(struct seen *s, const char *id);
/* Syncs the partitions, then logs their sizes and ids; durable when it returns 0. */
int seen_commit(struct seen *s, struct pull *p, char *const *ids, int n);

/* Handles one message; returns whether it may be acknowledged (0) or must come back (-EAGAIN). */
int block_handle(struct pull *p, natsMsg *m, char *id, size_t idlen);

/* Takes what the evtap-forget watch has: partitions removed, receipt <person>.pipeline. */
void pull_forget_poll(struct pull *p);

#endif /* EVTAP_PULL_H */
