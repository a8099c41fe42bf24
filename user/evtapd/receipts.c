// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The forget receipts for `evtap forget --status` (receipts.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "receipts.h"

/* Only these of the entry reach the caller: the file is the shipper's, not evtapd's. */
static const char *const entry_fields[] = { "requested_at", "receipts", "purged" };

static void copy_entry(json_object *o, json_object *entry)
{
	json_object *v;

	for (size_t i = 0; i < sizeof(entry_fields) / sizeof(entry_fields[0]); i++)
		if (json_object_object_get_ex(entry, entry_fields[i], &v))
			json_object_object_add(o, entry_fields[i], json_object_get(v));
}

void receipts_status(json_object *o, const char *state_dir, uint32_t uid)
{
	json_object *all, *users, *entry = NULL;
	char path[PATH_MAX], name[16], why[PATH_MAX + 64];

	json_object_object_add(o, "uid", json_object_new_int64(uid));
	snprintf(path, sizeof(path), "%s/%s", state_dir, RECEIPTS_FILE);
	all = json_object_from_file(path);
	if (!all) {
		snprintf(why, sizeof(why), "%s: %s", path,
			 errno == ENOENT ? "none yet: evtap-shipd has not seen a forget"
					 : "cannot read it");
		json_object_object_add(o, "why", json_object_new_string(why));
	}
	snprintf(name, sizeof(name), "%u", uid);
	if (all && json_object_object_get_ex(all, "users", &users))
		json_object_object_get_ex(users, name, &entry);
	json_object_object_add(o, "requested", json_object_new_boolean(entry != NULL));
	if (entry)
		copy_entry(o, entry);
	json_object_put(all);
}
