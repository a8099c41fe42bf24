// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The fleet's policy: its values, the merge with a machine's own, its JSON (policy.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "evtap.h"
#include "names.h"
#include "policy.h"

#define MS_NS  INT64_C(1000000)
#define DAY_NS (INT64_C(86400) * 1000000000)

static const char *const key_names[POLICY_KEYS] = {
	[POLICY_LEVEL] = "level",
	[POLICY_DEFAULT_CONSENT] = "default-consent",
	[POLICY_TIME_GRANULARITY] = "time-granularity",
	[POLICY_RETENTION] = "retention",
	[POLICY_PURPOSES] = "purposes",
};

static const char *const expected[POLICY_KEYS] = {
	[POLICY_LEVEL] = "off, counts, classes or full",
	[POLICY_DEFAULT_CONSENT] = "record or skip",
	[POLICY_TIME_GRANULARITY] = "milliseconds, an integer from 0 to 60000",
	[POLICY_RETENTION] = "DAYSd, from 1d to 3650d",
	[POLICY_PURPOSES] = ("1 to 16 comma-separated NAME[:DESCRIPTION], NAME of a-z, 0-9 and '-' "
			     "(at most 32), DESCRIPTION printable (at most 80, no comma or quote)"),
};

const char *policy_key_name(enum policy_key k)
{
	return k >= 0 && k < POLICY_KEYS ? key_names[k] : "unknown";
}

int policy_key_parse(const char *name)
{
	for (int k = 0; k < POLICY_KEYS; k++)
		if (!strcmp(name, key_names[k]))
			return k;
	return -1;
}

const char *policy_source_name(enum policy_source s)
{
	return s == POLICY_FROM_FLEET ? "fleet" : s == POLICY_FROM_LOCAL ? "local" : "default";
}

const char *policy_expected(enum policy_key k)
{
	return k >= 0 && k < POLICY_KEYS ? expected[k] : "";
}

/* A decimal integer in [min, max] followed by suffix, at most 7 digits. */
static int parse_number(const char *value, long min, long max, const char *suffix, long *out)
{
	char *end;

	if (value[0] < '0' || value[0] > '9')
		return -EINVAL;
	*out = strtol(value, &end, 10);
	return strcmp(end, suffix) || end - value > 7 || *out < min || *out > max ? -EINVAL : 0;
}

/* A purpose's description: printable, without the list's comma or a quote. */
static int description_ok(const char *d, size_t len)
{
	if (len == 0 || len > POLICY_DESCRIPTION_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (d[i] < ' ' || d[i] > '~' || d[i] == '"' || d[i] == '\\' || d[i] == ',')
			return 0;
	return 1;
}

static int parse_purposes(const char *value, struct policy_values *v)
{
	struct policy_purpose list[PURPOSES_MAX] = { 0 };
	size_t len, name;
	int n = 0;

	for (const char *p = value;; p += len + 1) {
		len = strcspn(p, ",");
		name = strcspn(p, ":,");
		if (!purpose_name_ok(p, name) || n == PURPOSES_MAX ||
		    (name < len && !description_ok(p + name + 1, len - name - 1)))
			return -EINVAL;
		snprintf(list[n].name, sizeof(list[n].name), "%.*s", (int)name, p);
		snprintf(list[n].description, sizeof(list[n].description), "%.*s",
			 name < len ? (int)(len - name - 1) : 0, p + name + 1);
		for (int i = 0; i < n; i++)
			if (!strcmp(list[i].name, list[n].name))
				return -EINVAL;
		n++;
		if (!p[len])
			break;
	}
	memcpy(v->purposes, list, sizeof(list));
	v->npurposes = n;
	return 0;
}

int policy_parse(struct policy_values *v, enum policy_key k, const char *value)
{
	long n;
	int ret = -EINVAL;

	switch (k) {
	case POLICY_LEVEL:
		n = evtap_level_parse(value);
		if (n >= 0) {
			v->level = (int)n;
			ret = 0;
		}
		break;
	case POLICY_DEFAULT_CONSENT:
		if (!strcmp(value, "record") || !strcmp(value, "skip")) {
			v->default_consent =
				strcmp(value, "record") ? EVTAP_DEFAULT_SKIP : EVTAP_DEFAULT_RECORD;
			ret = 0;
		}
		break;
	case POLICY_TIME_GRANULARITY:
		ret = parse_number(value, 0, POLICY_GRANULARITY_MAX_MS, "", &n);
		if (!ret)
			v->time_granularity_ns = n * MS_NS;
		break;
	case POLICY_RETENTION:
		ret = parse_number(value, 1, POLICY_RETENTION_MAX_DAYS, "d", &n);
		if (!ret)
			v->retention_ns = n * DAY_NS;
		break;
	case POLICY_PURPOSES:
		ret = parse_purposes(value, v);
		break;
	case POLICY_KEYS:
		break;
	}
	if (!ret)
		v->set |= 1U << k;
	return ret;
}

static int format_purposes(const struct policy_values *v, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < v->npurposes && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s%s%s", i ? "," : "",
				      v->purposes[i].name, v->purposes[i].description[0] ? ":" : "",
				      v->purposes[i].description);
	return (int)n;
}

int policy_format(const struct policy_values *v, enum policy_key k, char *buf, size_t len)
{
	switch (k) {
	case POLICY_LEVEL:
		return snprintf(buf, len, "%s", evtap_level_name(v->level));
	case POLICY_DEFAULT_CONSENT:
		return snprintf(buf, len, "%s",
				v->default_consent == EVTAP_DEFAULT_SKIP ? "skip" : "record");
	case POLICY_TIME_GRANULARITY:
		return snprintf(buf, len, "%" PRId64, v->time_granularity_ns / MS_NS);
	case POLICY_RETENTION:
		if (!v->retention_ns)
			return snprintf(buf, len, "none");
		return snprintf(buf, len, "%" PRId64 "d", (v->retention_ns + DAY_NS - 1) / DAY_NS);
	case POLICY_PURPOSES:
		return format_purposes(v, buf, len);
	case POLICY_KEYS:
		break;
	}
	return snprintf(buf, len, "?");
}

/* A retention of 0 keeps everything: longer than any other. */
static int64_t retention_rank(int64_t ns)
{
	return ns ? ns : INT64_MAX;
}

int policy_lower(enum policy_key k, const struct policy_values *a, const struct policy_values *b)
{
	switch (k) {
	case POLICY_LEVEL:
		return a->level < b->level;
	case POLICY_DEFAULT_CONSENT: /* skip records less than record */
		return a->default_consent == EVTAP_DEFAULT_SKIP &&
		       b->default_consent != EVTAP_DEFAULT_SKIP;
	case POLICY_TIME_GRANULARITY:
		return a->time_granularity_ns > b->time_granularity_ns;
	case POLICY_RETENTION:
		return retention_rank(a->retention_ns) < retention_rank(b->retention_ns);
	case POLICY_PURPOSES: /* a machine declares none: only the fleet's count */
	case POLICY_KEYS:
		break;
	}
	return 0;
}

static void take(struct policy_values *out, const struct policy_values *from, enum policy_key k)
{
	switch (k) {
	case POLICY_LEVEL:
		out->level = from->level;
		break;
	case POLICY_DEFAULT_CONSENT:
		out->default_consent = from->default_consent;
		break;
	case POLICY_TIME_GRANULARITY:
		out->time_granularity_ns = from->time_granularity_ns;
		break;
	case POLICY_RETENTION:
		out->retention_ns = from->retention_ns;
		break;
	case POLICY_PURPOSES:
		out->npurposes = from->npurposes;
		memcpy(out->purposes, from->purposes, sizeof(out->purposes));
		break;
	case POLICY_KEYS:
		break;
	}
}

void policy_copy_key(struct fleet_policy *dst, const struct fleet_policy *src, enum policy_key k)
{
	take(&dst->v, &src->v, k);
	dst->v.set = (dst->v.set & ~(1U << k)) | (src->v.set & (1U << k));
	dst->revision[k] = src->revision[k];
	dst->time_ns[k] = src->time_ns[k];
}

void policy_merge(const struct fleet_policy *fleet, const struct policy_values *local,
		  struct policy_values *out, enum policy_source from[POLICY_KEYS])
{
	unsigned int fleet_set = fleet ? fleet->v.set : 0;

	*out = *local;
	out->npurposes = 0;
	for (int k = 0; k < POLICY_KEYS; k++) {
		int have_local = (local->set >> k) & 1, have_fleet = (fleet_set >> k) & 1;

		from[k] = have_local ? POLICY_FROM_LOCAL : POLICY_FROM_DEFAULT;
		if (k == POLICY_PURPOSES) /* the fleet's alone */
			from[k] = have_fleet ? POLICY_FROM_FLEET : POLICY_FROM_DEFAULT;
		if (!have_fleet || (have_local && policy_lower(k, local, &fleet->v)))
			continue;
		take(out, &fleet->v, k);
		from[k] = POLICY_FROM_FLEET;
	}
	out->set = local->set | fleet_set;
}

json_object *policy_to_json(const struct fleet_policy *p)
{
	json_object *o = json_object_new_object();
	char value[POLICY_VALUE_MAX];

	for (int k = 0; k < POLICY_KEYS; k++) {
		json_object *s;

		if (!((p->v.set >> k) & 1))
			continue;
		s = json_object_new_object();
		policy_format(&p->v, k, value, sizeof(value));
		json_object_object_add(s, "value", json_object_new_string(value));
		json_object_object_add(s, "revision",
				       json_object_new_int64((int64_t)p->revision[k]));
		json_object_object_add(s, "time", json_object_new_int64(p->time_ns[k]));
		json_object_object_add(o, key_names[k], s);
	}
	return o;
}

static int64_t int_field(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int)
		       ? json_object_get_int64(v)
		       : 0;
}

int policy_from_json(json_object *o, struct fleet_policy *out,
		     char why[POLICY_KEYS + 1][POLICY_WHY_MAX])
{
	int bad = 0;

	memset(out, 0, sizeof(*out));
	for (int k = 0; k <= POLICY_KEYS; k++)
		why[k][0] = '\0';
	if (!o || !json_object_is_type(o, json_type_object))
		return -EINVAL;
	json_object_object_foreach(o, key, s)
	{
		int k = policy_key_parse(key);
		json_object *v = NULL;
		const char *value = NULL;

		if (k < 0) {
			snprintf(why[POLICY_KEYS], POLICY_WHY_MAX,
				 "unknown key '%.32s': expected level, default-consent, "
				 "time-granularity, retention or purposes",
				 key);
			bad++;
			continue;
		}
		if (json_object_is_type(s, json_type_object) &&
		    json_object_object_get_ex(s, "value", &v) &&
		    json_object_is_type(v, json_type_string))
			value = json_object_get_string(v);
		if (!value || policy_parse(&out->v, k, value)) {
			snprintf(why[k], POLICY_WHY_MAX, "bad value '%.40s': expected %.190s",
				 value ? value : "(not a string)", expected[k]);
			bad++;
			continue;
		}
		out->revision[k] = (uint64_t)int_field(s, "revision");
		out->time_ns[k] = int_field(s, "time");
	}
	return bad;
}
