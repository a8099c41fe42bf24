// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The release decision, on the buckets as they are now: the purpose must be one the fleet
 * declares (evtap-policy "purposes": name:description,...), the person not forgotten
 * (evtap-forget), and their consent (evtap-consent, docs/FLEET.md) neither opted out nor paused
 * nor excluding the purpose. The level released is the lowest of the person's, the fleet's and
 * the one asked for.
 */
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "clock.h"
#include "custodian.h"
#include "evtap.h"
#include "names.h"
#include "policy.h"

/* The value of key in bucket, or NULL when it has none; the caller frees it. */
static char *kv_value(kvStore *kv, const char *key)
{
	kvEntry *e = NULL;
	char *v = NULL;

	if (kvStore_Get(&e, kv, key) == NATS_OK && kvEntry_Operation(e) == kvOp_Put)
		v = strdup(kvEntry_ValueString(e));
	kvEntry_Destroy(e);
	return v;
}

/*
 * Whether the fleet's policy declares purpose. The value is read with the policy's own parser,
 * as evtap-fleet checked it: a value that does not parse declares nothing.
 */
static int purpose_declared(const char *list, const char *purpose)
{
	struct policy_values v = { 0 };

	if (!list || policy_parse(&v, POLICY_PURPOSES, list))
		return 0;
	for (int i = 0; i < v.npurposes; i++)
		if (!strcmp(v.purposes[i].name, purpose))
			return 1;
	return 0;
}

static int excluded(json_object *consent, const char *purpose)
{
	json_object *a;

	if (!json_object_object_get_ex(consent, "excluded_purposes", &a) ||
	    !json_object_is_type(a, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(a, i)), purpose))
			return 1;
	return 0;
}

static int64_t int_of(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

static const char *consent_why(json_object *o, const char *purpose, int *level)
{
	json_object *v;

	if (!json_object_is_type(o, json_type_object))
		return "consent unreadable";
	if (!json_object_object_get_ex(o, "opted_out", &v) || json_object_get_boolean(v))
		return "opted out";
	if (int_of(o, "paused_until") > clock_wall_ns())
		return "paused";
	if (excluded(o, purpose))
		return "purpose excluded";
	if (json_object_object_get_ex(o, "level", &v))
		*level = evtap_level_parse(json_object_get_string(v));
	return *level <= EVTAP_LEVEL_OFF ? "level off" : NULL;
}

/* The person's own level, or why nothing is released; a person who never chose gets the default. */
static const char *person_why(struct custodian *c, const struct release_req *r, int *level)
{
	char *consent = kv_value(c->consent, r->person), *dflt;
	json_object *o;
	const char *why;

	*level = EVTAP_LEVEL_FULL;
	if (!consent) {
		dflt = kv_value(c->policy, "default-consent");
		why = dflt && !strcmp(dflt, "skip") ? "no consent given" : NULL;
		free(dflt);
		return why;
	}
	o = json_tokener_parse(consent);
	why = consent_why(o, r->purpose, level);
	json_object_put(o);
	free(consent);
	return why;
}

static int fleet_level(struct custodian *c)
{
	struct policy_values v = { 0 };
	char *value = kv_value(c->policy, "level");
	int given = value != NULL, bad = given && policy_parse(&v, POLICY_LEVEL, value);

	free(value);
	if (bad)
		return EVTAP_LEVEL_OFF; /* a level that does not parse releases nothing */
	return given ? v.level : EVTAP_LEVEL_FULL;
}

const char *decide(struct custodian *c, const struct release_req *r, int *level)
{
	char *purposes = kv_value(c->policy, "purposes"), *forgot;
	int declared = purpose_declared(purposes, r->purpose), fleet;
	const char *why;

	free(purposes);
	if (!declared)
		return "unknown purpose";
	forgot = kv_value(c->forget, r->person);
	free(forgot);
	if (forgot)
		return "forgotten";
	why = person_why(c, r, level);
	if (why)
		return why;
	fleet = fleet_level(c);
	if (fleet < *level)
		*level = fleet;
	if (r->level < *level)
		*level = r->level;
	return *level <= EVTAP_LEVEL_OFF ? "level off" : NULL;
}
