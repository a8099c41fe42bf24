/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The store: one directory per user under the data dir, each holding append-only segment
 * files of framed blocks sealed with the user's key, which the key dir keeps. Only evtapd opens
 * it. Format: docs/STORE.md.
 */
#ifndef EVTAP_STORE_H
#define EVTAP_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "record.h"
#include "share.h"

/* Why records could not be persisted; indexes of store_stats.unpersisted. */
enum store_loss {
	STORE_LOSS_NO_SPACE = 0, /* ENOSPC, EDQUOT */
	STORE_LOSS_IO,		 /* EIO and other write errors */
	STORE_LOSS_FSYNC,	 /* fsync failed: the segment's unflushed blocks are gone */
	STORE_LOSS_DISCARDED,	 /* dropped on purpose: the user opted out before the flush */
	STORE_LOSS_INVALID,	 /* refused by store_append: a malformed record or device */
	STORE_LOSS_NO_MEMORY,	 /* refused by store_append: no memory for the user */
	STORE_LOSS_MAX,
};

struct store_stats {
	uint64_t records_persisted; /* in blocks that were fsync'ed */
	uint64_t blocks_persisted;
	uint64_t bytes_persisted;
	uint64_t unpersisted[STORE_LOSS_MAX]; /* records, by reason */
};

/* 0 in a field means its default; for the limits, none. */
struct store_opts {
	size_t segment_bytes; /* rotate at this size (4 MiB, or a quarter of the lower limit) */
	size_t block_bytes;   /* cut a block at this many encoded bytes (64 KiB, <= 1 MiB - 256) */
	int64_t retention_ns; /* delete segments whose newest record is older than this */
	uint64_t max_user_bytes;	 /* per user: past it, delete their oldest segments */
	uint64_t max_total_bytes;	 /* all users: past it, delete the oldest segments */
	const struct store_share *share; /* fleet mode: share with the shipper (share.h); NULL */
};

struct store;

/*
 * Creates data_dir and key_dir (0700) and the host key if needed, cuts damaged tails off the
 * segments (logging each cut) and indexes them for retention. Returns 0 or a negative errno.
 */
int store_open(struct store **out, const char *data_dir, const char *key_dir,
	       const struct store_opts *opts);
void store_close(struct store *st); /* flushes first */

/*
 * Buffers one record in memory; dev is the identity of rec->dev (NULL: none or unknown). A
 * block that fills up is written at once (fsync'ed by the next flush). Returns 0 once the store
 * accounts for the record: if writing its block fails, the record is counted in unpersisted and
 * the next store_flush returns the error. Else, counted in unpersisted too, -EINVAL (malformed
 * record or device, uid EVTAP_UID_NONE) or -ENOMEM. There is no fixed number of users.
 */
int store_append(struct store *st, const struct evtap_record *rec, const struct evtap_device *dev);

/*
 * Writes and fsyncs every buffered block. Returns 0 or the first negative errno since the last
 * flush. Records that failed are counted in unpersisted and dropped, never retried.
 */
int store_flush(struct store *st);

/*
 * Drops what is buffered for uid and not yet persisted (an opt-out): the records in memory, and
 * the blocks written since the last fsync, which are cut off the segment, durably. Returns 0,
 * or a negative errno if the cut failed: those blocks may then survive a crash (the segment is
 * closed and never fsync'ed again by the store).
 */
int store_discard(struct store *st, uint32_t uid);

/*
 * Destroys uid's key first, so that no copy of its segments can be opened any more, then drops
 * uid's buffered records and unlinks all of uid's segments and its directory.
 */
int store_forget(struct store *st, uint32_t uid);

/*
 * Deletes whole segments, oldest first, past the retention age and the size limits; an open
 * segment that must go is closed first. Returns 0 or the first negative errno.
 */
int store_enforce_retention(struct store *st);
/* Changes the retention age (0: none) from the next store_enforce_retention on. */
void store_set_retention(struct store *st, int64_t retention_ns);

const struct store_stats *store_stats(const struct store *st);

/* Reading: used by export. */
struct store_read_cb {
	/* Called per record in order; dev is its identity if the segment recorded one. */
	int (*record)(void *ctx, const struct evtap_record *rec, const struct evtap_device *dev);
	/* Called per corrupt or torn block skipped: file and byte offset, and why. */
	void (*corrupt)(void *ctx, const char *file, uint64_t offset, const char *why);
	void *ctx;
};

/*
 * Reads uid's records with since_ns <= ts_ns < until_ns in time order, segment by segment,
 * with uid's key from key_dir: without one (a forgotten user) every segment is reported
 * unreadable. A callback's non-zero return stops the walk and is returned. A uid with no
 * directory has no records: 0. Memory use is bounded by the block size, whatever the segments'
 * sizes.
 */
int store_read_user(const char *data_dir, const char *key_dir, uint32_t uid, int64_t since_ns,
		    int64_t until_ns, const struct store_read_cb *cb);

/*
 * Lists the uids that have a directory in the store, ascending, in *uids (malloc'ed: the
 * caller frees it); returns the count, or a negative errno (and *uids is not set).
 */
int store_list_users(const char *data_dir, uint32_t **uids);

#endif /* EVTAP_STORE_H */
