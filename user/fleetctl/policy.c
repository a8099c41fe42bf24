// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-fleet policy: the fleet's policy as one key per setting in the evtap-policy bucket, so
 * that an agent watching it sees each change on its own. Every KEY=VALUE is checked before any
 * is written: a bad one leaves the policy as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "admin.h"
#include "fleet_names.h"

struct setting {
	const char *key;
	int (*ok)(const char *value);
	const char *expected;
};

static int one_of(const char *value, const char *const *words)
{
	for (; *words; words++)
		if (!strcmp(value, *words))
			return 1;
	return 0;
}

static int level_ok(const char *value)
{
	static const char *const levels[] = { "off", "counts", "classes", "full", NULL };

	return one_of(value, levels);
}

static int consent_ok(const char *value)
{
	static const char *const choices[] = { "record", "skip", NULL };

	return one_of(value, choices);
}

/* A decimal integer in [min, max], followed by suffix (which may be ""). */
static int number_ok(const char *value, unsigned long min, unsigned long max, const char *suffix)
{
	char *end;
	unsigned long v;

	if (value[0] < '0' || value[0] > '9')
		return 0;
	v = strtoul(value, &end, 10);
	return !strcmp(end, suffix) && v >= min && v <= max && end - value <= 7;
}

static int granularity_ok(const char *value)
{
	return number_ok(value, 0, 60000, "");
}

static int retention_ok(const char *value)
{
	return number_ok(value, 1, 3650, "d");
}

/* A purpose's description: plain printable text an agent shows, without the list's comma. */
static int description_ok(const char *d, size_t len)
{
	if (len == 0 || len > 80)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (d[i] < ' ' || d[i] > '~' || d[i] == '"' || d[i] == '\\')
			return 0;
	return 1;
}

/*
 * Purposes are name:description pairs an agent shows to the people it records: names short,
 * plain words (the custodian matches them exactly), few of them. The description may be left
 * out.
 */
static int purposes_ok(const char *value)
{
	size_t n = 0, len, name;

	for (const char *p = value;; p += len + 1) {
		len = strcspn(p, ",");
		name = strcspn(p, ":,");
		if (name == 0 || name > 32 ||
		    strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-") < name || ++n > 16)
			return 0;
		if (name < len && !description_ok(p + name + 1, len - name - 1))
			return 0;
		if (!p[len])
			return 1;
	}
}

static const struct setting settings[] = {
	{ "level", level_ok, "off, counts, classes or full" },
	{ "default-consent", consent_ok, "record or skip" },
	{ "time-granularity", granularity_ok, "milliseconds, an integer from 0 to 60000" },
	{ "retention", retention_ok, "DAYSd, from 1d to 3650d" },
	{ "purposes", purposes_ok,
	  "1 to 16 comma-separated NAME[:DESCRIPTION], NAME of a-z, 0-9 and '-' (at most 32), "
	  "DESCRIPTION printable (at most 80, no comma or quote)" },
};

#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static const struct setting *find(const char *key, size_t len)
{
	for (size_t i = 0; i < NSETTINGS; i++)
		if (strlen(settings[i].key) == len && !strncmp(settings[i].key, key, len))
			return &settings[i];
	return NULL;
}

static int check(const struct ctl *ctl, const char *arg)
{
	const char *eq = strchr(arg, '=');
	const struct setting *s = eq ? find(arg, eq - arg) : NULL;

	if (!eq)
		return ctl_error(ctl, CTL_USAGE, "'%s': expected KEY=VALUE", arg);
	if (!s)
		return ctl_error(ctl, CTL_USAGE,
				 "unknown key '%.*s': expected level, "
				 "default-consent, time-granularity, retention or purposes",
				 (int)(eq - arg), arg);
	if (!s->ok(eq + 1))
		return ctl_error(ctl, CTL_USAGE, "bad value '%s' for %s: expected %s", eq + 1,
				 s->key, s->expected);
	return 0;
}

int ctl_policy_set(struct ctl *ctl)
{
	struct admin a;
	kvStore *kv;
	uint64_t rev;
	int ret = CTL_OK;

	if (!ctl->nargs)
		return ctl_error(ctl, CTL_USAGE, "expected KEY=VALUE...");
	for (int i = 0; i < ctl->nargs; i++)
		if (check(ctl, ctl->args[i]))
			return CTL_USAGE;
	if (admin_connect(ctl, &a))
		return CTL_FAILED;
	kv = admin_bucket(ctl, &a, FLEET_KV_POLICY);
	for (int i = 0; kv && i < ctl->nargs && ret == CTL_OK; i++) {
		char key[32];
		const char *eq = strchr(ctl->args[i], '=');

		snprintf(key, sizeof(key), "%.*s", (int)(eq - ctl->args[i]), ctl->args[i]);
		if (kvStore_PutString(&rev, kv, key, eq + 1) != NATS_OK)
			ret = ctl_error(ctl, CTL_FAILED, "%s: %s", key, nats_GetLastError(NULL));
		else
			printf("%s = %s (revision %llu)\n", key, eq + 1, (unsigned long long)rev);
	}
	kvStore_Destroy(kv);
	admin_close(&a);
	return kv ? ret : CTL_FAILED;
}

int ctl_policy_get(struct ctl *ctl)
{
	const struct setting *only = NULL;
	struct admin a;
	kvStore *kv;
	kvEntry *e;
	natsStatus s;
	int ret = CTL_OK;

	if (ctl->nargs > 1 || (ctl->nargs && !(only = find(ctl->args[0], strlen(ctl->args[0])))))
		return ctl_error(ctl, CTL_USAGE,
				 "expected no argument or one of level, "
				 "default-consent, time-granularity, retention, purposes");
	if (admin_connect(ctl, &a))
		return CTL_FAILED;
	kv = admin_bucket(ctl, &a, FLEET_KV_POLICY);
	for (size_t i = 0; kv && i < NSETTINGS && ret == CTL_OK; i++) {
		if (only && only != &settings[i])
			continue;
		e = NULL;
		s = kvStore_Get(&e, kv, settings[i].key);
		if (s == NATS_OK)
			printf("%s = %s\n", settings[i].key, kvEntry_ValueString(e));
		else if (s == NATS_NOT_FOUND)
			printf("%s is not set\n", settings[i].key);
		else
			ret = ctl_error(ctl, CTL_FAILED, "%s: %s", settings[i].key,
					nats_GetLastError(NULL));
		kvEntry_Destroy(e);
	}
	kvStore_Destroy(kv);
	admin_close(&a);
	return kv ? ret : CTL_FAILED;
}
