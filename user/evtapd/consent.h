/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Each user's own choices (opt-out, level ceiling, pause), kept in a root-only INI file in
 * the data dir and loaded into the kernel's consent map before any program attaches.
 */
#ifndef EVTAP_CONSENT_H
#define EVTAP_CONSENT_H

#include <stdint.h>
#include "evtap.h"
#include "purposes.h"

struct consent_user {
	uint32_t uid;
	int opted_out;
	int level;		   /* the user's ceiling; EVTAP_LEVEL_FULL: none */
	int64_t paused_until_wall; /* ns since the epoch; 0: not paused */
	/*
	 * When the choice was made (wall clock, ns), on this machine or, from_fleet, on another
	 * one of the fleet: the latest wins (docs/FLEET.md, "Consent follows the person").
	 */
	int64_t changed_wall;
	int from_fleet;
	/* Purposes the fleet may not use my data for, comma-separated (purposes.h); "" none. */
	char excluded[PURPOSES_TEXT];
};

struct consent;

/*
 * Loads path; a missing file is an empty table. On a bad line, err names file, line, field. An
 * entry written before choices were dated gets the file's modification time: no later than the
 * choice, so that an opt-out of then is undone only by a change made since.
 */
int consent_load(struct consent **out, const char *path, char *err, size_t errlen);
void consent_free(struct consent *c);
/*
 * Writes the table atomically (temporary file, fsync, rename, fsync of the directory), mode 0600:
 * once it returns 0 the new table survives a power failure. Returns 0 or a negative errno.
 */
int consent_save(const struct consent *c);

/* The user's entry, or NULL if the user never chose. */
const struct consent_user *consent_get(const struct consent *c, uint32_t uid);
/* Adds or replaces u's entry; the table has no fixed size (the kernel's map has: daemon.c). */
int consent_set(struct consent *c, const struct consent_user *u);
/* The user is back to never having chosen. */
void consent_remove(struct consent *c, uint32_t uid);

/* The kernel's view of an entry: paused_until converted to CLOCK_MONOTONIC. */
void consent_to_kernel(const struct consent_user *u, struct evtap_consent *k);

/*
 * Whether the fleet's choice fleet, made at fleet->changed_wall, replaces mine (NULL: none):
 * the later one wins, and at the same time an opt-out wins over an opt-in.
 */
int consent_fleet_wins(const struct consent_user *mine, const struct consent_user *fleet);

void consent_foreach(const struct consent *c, void (*fn)(void *ctx, const struct consent_user *u),
		     void *ctx);

#endif /* EVTAP_CONSENT_H */
