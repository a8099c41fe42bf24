// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The shipping part of `evtap status`, from evtap-shipd's status.json. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "shipping.h"

/* The whole-host fields a person may see: none of them names another user. */
static const char *const public_fields[] = {
	"state",	 "updated",	   "connected",		"reconnects",
	"backlog_bytes", "publish_errors", "expired_unshipped",
};

static json_object *unknown(const char *why)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "state", json_object_new_string("unknown"));
	json_object_object_add(o, "why", json_object_new_string(why));
	return o;
}

static json_object *own_entry(json_object *users, uint32_t uid)
{
	char name[16];
	json_object *u;

	snprintf(name, sizeof(name), "%u", uid);
	if (!json_object_object_get_ex(users, name, &u))
		return NULL;
	return json_object_get(u);
}

static json_object *person_view(json_object *all, uint32_t uid)
{
	json_object *o = json_object_new_object(), *v, *users, *mine = NULL;

	for (size_t i = 0; i < sizeof(public_fields) / sizeof(public_fields[0]); i++)
		if (json_object_object_get_ex(all, public_fields[i], &v))
			json_object_object_add(o, public_fields[i], json_object_get(v));
	if (json_object_object_get_ex(all, "users", &users))
		mine = own_entry(users, uid);
	json_object_object_add(o, "you", mine ? mine : json_object_new_null());
	return o;
}

json_object *shipping_status(const char *state_dir, uint32_t uid, bool all)
{
	char path[PATH_MAX], why[PATH_MAX + 64];
	json_object *st, *o;

	snprintf(path, sizeof(path), "%s/status.json", state_dir);
	st = json_object_from_file(path);
	if (!st || !json_object_is_type(st, json_type_object)) {
		snprintf(why, sizeof(why), "%s: %s", path,
			 errno == ENOENT ? "no status: evtap-shipd has not run"
					 : "cannot read it (is evtapd in the ship group?)");
		json_object_put(st);
		return unknown(why);
	}
	if (all)
		return st;
	o = person_view(st, uid);
	json_object_put(st);
	return o;
}
