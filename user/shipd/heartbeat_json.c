// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The heartbeat's value (heartbeat.h). evtapd's answer is read, never copied: each counter is
 * taken by a name of [a-z0-9_] under a group named here, and only as a number, so that nothing
 * evtapd might one day add per user (a uid as a key, a name as a value) can reach the broker.
 */
#include <stdio.h>
#include <string.h>
#include "heartbeat.h"
#include "version.h"

#define NAME_MAX_LEN 48

/* Where evtapd counts what it did not keep, and the prefix its reasons get here. */
struct drop_source {
	const char *group;  /* the object path in evtapd's answer */
	const char *prefix; /* of the counters that are drops; "" for all of the group's */
	const char *as;	    /* the reason's prefix in "dropped" */
};

static const struct drop_source drop_sources[] = {
	{ "kernel", "gate_", "kernel_" },
	{ "kernel", "lost_", "kernel_" },
	{ "missed", "", "missed_" },
	{ "collector.dropped", "", "collector_" },
	{ "collector", "lost_", "collector_" },
	{ "collector", "malformed", "collector_" },
	{ "store.unpersisted", "", "store_" },
};

/* Dropped by a person's choice, not lost: the consent gates and what an opt-out discards. */
static bool chosen(const char *reason)
{
	return strstr(reason, "_gate_") || !strcmp(reason, "store_discarded");
}

/*
 * A counter's name: [a-z][a-z0-9_]*; a word (a version, "fentry"): [a-z0-9][a-z0-9._-]*.
 * Neither can be a uid (all digits) or free text; the groups and keys are the ones named here.
 */
static bool plain_name(const char *s, bool word)
{
	size_t n = strlen(s), digits = strspn(s, "0123456789");

	if (!n || n > NAME_MAX_LEN || digits == n || (!word && digits))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      (word && (s[i] == '.' || s[i] == '-'))))
			return false;
	return true;
}

/* The object at a dotted path of evtapd's answer, or NULL. */
static json_object *group_of(json_object *root, const char *path)
{
	char part[32];
	json_object *o = root;

	while (o && *path) {
		size_t n = strcspn(path, ".");

		snprintf(part, sizeof(part), "%.*s", (int)n, path);
		if (!json_object_object_get_ex(o, part, &o) ||
		    !json_object_is_type(o, json_type_object))
			return NULL;
		path += n + (path[n] == '.');
	}
	return o;
}

static int64_t counter(json_object *root, const char *group, const char *name)
{
	json_object *g = group_of(root, group), *v;

	return g && json_object_object_get_ex(g, name, &v) && json_object_is_type(v, json_type_int)
		       ? json_object_get_int64(v)
		       : 0;
}

/* A short word of evtapd's (a version, a kernel path's part), or "unknown". */
static const char *word(json_object *root, const char *group, const char *name)
{
	json_object *g = group ? group_of(root, group) : root, *v;
	const char *s;

	if (!g || !json_object_object_get_ex(g, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return "unknown";
	s = json_object_get_string(v);
	return plain_name(s, true) ? s : "unknown";
}

static void add_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static void add_str(json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

/* Every drop evtapd counts, by reason; those not chosen by a person also into lost. */
static void add_drops(json_object *evtapd, json_object *dropped, json_object *lost)
{
	char reason[2 * NAME_MAX_LEN];

	for (size_t i = 0; i < sizeof(drop_sources) / sizeof(drop_sources[0]); i++) {
		const struct drop_source *d = &drop_sources[i];
		json_object *g = group_of(evtapd, d->group);

		if (!g)
			continue;
		json_object_object_foreach(g, name, v)
		{
			if (!json_object_is_type(v, json_type_int) || !plain_name(name, false) ||
			    strncmp(name, d->prefix, strlen(d->prefix)))
				continue;
			snprintf(reason, sizeof(reason), "%s%s", d->as, name);
			add_u64(dropped, reason, (uint64_t)json_object_get_int64(v));
			if (!chosen(reason))
				add_u64(lost, reason, (uint64_t)json_object_get_int64(v));
		}
	}
}

static json_object *evtapd_part(json_object *evtapd, json_object *lost)
{
	json_object *o = json_object_new_object(), *captured = json_object_new_object();
	json_object *dropped = json_object_new_object();
	char path[2 * NAME_MAX_LEN + 2];

	add_str(o, "state", evtapd ? "ok" : "unreachable");
	add_str(o, "version", word(evtapd, NULL, "version"));
	snprintf(path, sizeof(path), "%s/%s", word(evtapd, "kernel_path", "attach"),
		 word(evtapd, "kernel_path", "buffer"));
	add_str(o, "kernel_path", path);
	add_u64(captured, "seen", (uint64_t)counter(evtapd, "kernel", "seen"));
	add_u64(captured, "emitted", (uint64_t)counter(evtapd, "kernel", "emitted"));
	add_u64(captured, "counted", (uint64_t)counter(evtapd, "kernel", "counted"));
	add_u64(captured, "received", (uint64_t)counter(evtapd, "collector", "received"));
	add_u64(captured, "stored", (uint64_t)counter(evtapd, "store", "records_persisted"));
	json_object_object_add(o, "captured", captured);
	add_drops(evtapd, dropped, lost);
	json_object_object_add(o, "dropped", dropped);
	return o;
}

static json_object *shipper_part(const struct heartbeat_in *in, json_object *lost)
{
	json_object *o = json_object_new_object(), *errs = json_object_new_object();

	json_object_object_add(o, "connected", json_object_new_boolean(in->connected));
	add_u64(o, "reconnects", in->c.reconnects);
	add_u64(o, "shipped_blocks", in->c.shipped_blocks);
	add_u64(o, "shipped_bytes", in->c.shipped_bytes);
	add_u64(o, "duplicates", in->c.duplicates);
	add_u64(o, "keys_published", in->c.keys_published);
	add_u64(o, "expired_unshipped", in->c.expired_segments);
	add_u64(o, "damaged", in->c.damaged);
	for (int i = 0; i < SHIP_ERR_MAX; i++)
		add_u64(errs, ship_error_name(i), in->c.errors[i]);
	json_object_object_add(o, "publish_errors", errs);
	add_u64(lost, "ship_expired_unshipped", in->c.expired_segments);
	add_u64(lost, "ship_damaged", in->c.damaged);
	return o;
}

json_object *heartbeat_json(const struct heartbeat_in *in)
{
	json_object *o = json_object_new_object(), *lost = json_object_new_object();
	json_object *backlog = json_object_new_object();

	add_str(o, "version", EVTAP_VERSION);
	add_u64(o, "interval_s", in->interval_s);
	json_object_object_add(o, "evtapd", evtapd_part(in->evtapd, lost));
	json_object_object_add(o, "shipper", shipper_part(in, lost));
	add_u64(backlog, "bytes", in->c.backlog_bytes);
	add_u64(backlog, "in_flight", in->in_flight);
	json_object_object_add(o, "backlog", backlog);
	json_object_object_add(o, "lost", lost);
	add_str(o, "last_error", in->last_error);
	return o;
}
