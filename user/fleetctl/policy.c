// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-fleet policy: the fleet's policy as one key per setting in the evtap-policy bucket, so
 * that an agent watching it sees each change on its own. Every KEY=VALUE is checked (the
 * library's policy.h, which the agents read it with) before any is written: a bad one leaves
 * the policy as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "admin.h"
#include "fleet_names.h"
#include "policy.h"

/* The bucket's key called key[0..len), or -1. */
static int find(const char *key, size_t len)
{
	char name[32];

	if (len >= sizeof(name))
		return -1;
	snprintf(name, sizeof(name), "%.*s", (int)len, key);
	return policy_key_parse(name);
}

static int check(const struct ctl *ctl, const char *arg)
{
	const char *eq = strchr(arg, '=');
	int k = eq ? find(arg, eq - arg) : -1;
	struct policy_values v = { 0 };

	if (!eq)
		return ctl_error(ctl, CTL_USAGE, "'%s': expected KEY=VALUE", arg);
	if (k < 0)
		return ctl_error(ctl, CTL_USAGE,
				 "unknown key '%.*s': expected level, "
				 "default-consent, time-granularity, retention or purposes",
				 (int)(eq - arg), arg);
	if (policy_parse(&v, k, eq + 1))
		return ctl_error(ctl, CTL_USAGE, "bad value '%s' for %s: expected %s", eq + 1,
				 policy_key_name(k), policy_expected(k));
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
	int only = -1;
	struct admin a;
	kvStore *kv;
	kvEntry *e;
	natsStatus s;
	int ret = CTL_OK;

	if (ctl->nargs > 1 || (ctl->nargs && (only = find(ctl->args[0], strlen(ctl->args[0]))) < 0))
		return ctl_error(ctl, CTL_USAGE,
				 "expected no argument or one of level, "
				 "default-consent, time-granularity, retention, purposes");
	if (admin_connect(ctl, &a))
		return CTL_FAILED;
	kv = admin_bucket(ctl, &a, FLEET_KV_POLICY);
	for (int k = 0; kv && k < POLICY_KEYS && ret == CTL_OK; k++) {
		if (only >= 0 && only != k)
			continue;
		e = NULL;
		s = kvStore_Get(&e, kv, policy_key_name(k));
		if (s == NATS_OK)
			printf("%s = %s\n", policy_key_name(k), kvEntry_ValueString(e));
		else if (s == NATS_NOT_FOUND)
			printf("%s is not set\n", policy_key_name(k));
		else
			ret = ctl_error(ctl, CTL_FAILED, "%s: %s", policy_key_name(k),
					nats_GetLastError(NULL));
		kvEntry_Destroy(e);
	}
	kvStore_Destroy(kv);
	admin_close(&a);
	return kv ? ret : CTL_FAILED;
}
