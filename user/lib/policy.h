/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The fleet's policy (docs/FLEET.md, "The fleet's policy"): one key per setting in the
 * evtap-policy bucket, as `evtap-fleet policy set` writes it, and the rule by which a machine's
 * own settings may only lower it. evtap-fleet checks values with it before it writes them,
 * evtap-shipd when it reads them, evtapd when it is handed them and when it reads them back.
 */
#ifndef EVTAP_POLICY_VALUES_H
#define EVTAP_POLICY_VALUES_H

#include <stddef.h>
#include <stdint.h>
#include "purposes.h"

struct json_object;

enum policy_key {
	POLICY_LEVEL,
	POLICY_DEFAULT_CONSENT,
	POLICY_TIME_GRANULARITY,
	POLICY_RETENTION,
	POLICY_PURPOSES,
	POLICY_KEYS,
};

#define POLICY_DESCRIPTION_MAX	  80
#define POLICY_GRANULARITY_MAX_MS 60000
#define POLICY_RETENTION_MAX_DAYS 3650
#define POLICY_VALUE_MAX	  (PURPOSES_MAX * (PURPOSE_NAME_MAX + POLICY_DESCRIPTION_MAX + 2))

struct policy_purpose {
	char name[PURPOSE_NAME_MAX + 1];
	char description[POLICY_DESCRIPTION_MAX + 1]; /* "" when the fleet gave none */
};

/* Settings as values; set says which are given (bit 1 << enum policy_key). */
struct policy_values {
	unsigned int set;
	int level;		     /* enum evtap_level */
	int default_consent;	     /* enum evtap_default_consent */
	int64_t time_granularity_ns; /* 0: exact */
	int64_t retention_ns;	     /* 0: kept whatever their age (only a local value) */
	int npurposes;
	struct policy_purpose purposes[PURPOSES_MAX];
};

/* The fleet's policy as a machine received it: each key's bucket revision and time. */
struct fleet_policy {
	struct policy_values v;
	uint64_t revision[POLICY_KEYS];
	int64_t time_ns[POLICY_KEYS]; /* when the value was put in the bucket (wall clock) */
};

/* Where a setting in force comes from. */
enum policy_source { POLICY_FROM_DEFAULT, POLICY_FROM_LOCAL, POLICY_FROM_FLEET };

const char *policy_key_name(enum policy_key k); /* as the bucket names it: "default-consent" */
int policy_key_parse(const char *name);		/* the enum policy_key of name, or -1 */
const char *policy_source_name(enum policy_source s); /* "default", "local", "fleet" */
/* What a value of k must look like, for error messages. */
const char *policy_expected(enum policy_key k);

/*
 * Parses value, as the bucket holds it, into k's field of v and marks k set. Returns 0, or
 * -EINVAL with v unchanged.
 */
int policy_parse(struct policy_values *v, enum policy_key k, const char *value);
/* k's value of v as the bucket holds it ("none" for a retention of 0); returns its length. */
int policy_format(const struct policy_values *v, enum policy_key k, char *buf, size_t len);

/*
 * The policy in force: each setting the fleet gives is in force unless the local one is lower
 * (then the local one is: a machine may lower the fleet's policy, never raise it); a setting
 * the fleet does not give is the local one, given or default. Purposes are the fleet's alone.
 * Lower: level off < counts < classes < full; default consent skip < record; time granularity
 * coarser; retention shorter (0, kept for ever, is the longest). from[k] says where each came
 * from. local holds every value (a default where it is not set); fleet may be NULL.
 */
void policy_merge(const struct fleet_policy *fleet, const struct policy_values *local,
		  struct policy_values *out, enum policy_source from[POLICY_KEYS]);
/* Copies k's value, revision and time from src to dst, set or not. */
void policy_copy_key(struct fleet_policy *dst, const struct fleet_policy *src, enum policy_key k);
/* Whether a's value of k is lower than b's (both set). */
int policy_lower(enum policy_key k, const struct policy_values *a, const struct policy_values *b);

/*
 * A policy as JSON, how evtap-shipd hands it to evtapd and evtapd keeps it:
 * {"level":{"value":"counts","revision":3,"time":NS},...}, a key per setting the fleet gives.
 */
struct json_object *policy_to_json(const struct fleet_policy *p);
/*
 * The other way. A key that is unknown or whose value is bad is left out of *out and said in
 * why[k] (why[POLICY_KEYS] for unknown keys: the last one), "" for the others; returns how many
 * were left out, or -EINVAL when o is not an object.
 */
#define POLICY_WHY_MAX 256
int policy_from_json(struct json_object *o, struct fleet_policy *out,
		     char why[POLICY_KEYS + 1][POLICY_WHY_MAX]);

#endif /* EVTAP_POLICY_VALUES_H */
