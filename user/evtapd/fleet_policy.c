// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The fleet's policy on this machine (fleet_policy.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "daemon.h"
#include "fileio.h"
#include "fleet_names.h"
#include "fleet_policy.h"
#include "log.h"

#define FILE_MODE 0600 /* the evtap user's, as consent.conf */

/* The local setting of each key: the option that sets it. Purposes have none. */
static const char *const local_option[POLICY_KEYS] = {
	[POLICY_LEVEL] = "level",
	[POLICY_DEFAULT_CONSENT] = "default-consent",
	[POLICY_TIME_GRANULARITY] = "time-granularity",
	[POLICY_RETENTION] = "retention-days",
};

void fleet_policy_local(const struct daemon_config *cfg, struct policy_values *local)
{
	*local = (struct policy_values){
		.level = cfg->level,
		.default_consent = cfg->default_consent,
		.time_granularity_ns = cfg->time_granularity_ns,
		.retention_ns = cfg->retention_ns,
	};
	for (int k = 0; k < POLICY_KEYS; k++)
		if (local_option[k] && options_given(cfg, local_option[k]))
			local->set |= 1U << k;
}

/* Each left-out key, named with its bucket, and what was expected: nothing else is lost. */
static void log_bad(const char *where, char why[POLICY_KEYS + 1][POLICY_WHY_MAX])
{
	for (int k = 0; k < POLICY_KEYS; k++)
		if (why[k][0])
			log_err("%s: bucket %s, key %s: %s; ignored, the rest applied", where,
				FLEET_KV_POLICY, policy_key_name(k), why[k]);
	if (why[POLICY_KEYS][0])
		log_err("%s: bucket %s: %s; ignored, the rest applied", where, FLEET_KV_POLICY,
			why[POLICY_KEYS]);
}

void fleet_policy_load(struct daemon *d)
{
	char path[PATH_MAX], why[POLICY_KEYS + 1][POLICY_WHY_MAX];
	json_object *file, *settings = NULL, *received = NULL;

	snprintf(path, sizeof(path), "%s/%s", d->cfg->data_dir, FLEET_POLICY_FILE);
	file = json_object_from_file(path);
	if (!file) {
		if (access(path, F_OK) == 0)
			log_err("%s: not JSON: ignored; the local settings are in force until "
				"evtap-shipd gives the fleet's policy again",
				path);
		return;
	}
	json_object_object_get_ex(file, "settings", &settings);
	json_object_object_get_ex(file, "received", &received);
	if (policy_from_json(settings, &d->fleet_policy, why) < 0 ||
	    !json_object_is_type(received, json_type_int)) {
		log_err("%s: expected {\"received\":NS,\"settings\":{...}}: ignored; the local "
			"settings are in force until evtap-shipd gives the fleet's policy again",
			path);
		memset(&d->fleet_policy, 0, sizeof(d->fleet_policy));
	} else {
		log_bad(path, why);
		d->fleet_policy_received = json_object_get_int64(received);
	}
	json_object_put(file);
}

static int save(const struct daemon *d)
{
	json_object *o = json_object_new_object();
	const char *text;
	int dir_fd, ret;

	json_object_object_add(o, "received", json_object_new_int64(d->fleet_policy_received));
	json_object_object_add(o, "settings", policy_to_json(&d->fleet_policy));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	dir_fd = open(d->cfg->data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ret = dir_fd < 0 ? -errno
			 : fileio_replace(dir_fd, FLEET_POLICY_FILE, text, strlen(text), FILE_MODE,
					  FILEIO_SAME_GID);
	if (dir_fd >= 0)
		close(dir_fd);
	json_object_put(o);
	return ret;
}

int fleet_policy_take(struct daemon *d, const struct fleet_policy *p,
		      char why[POLICY_KEYS + 1][POLICY_WHY_MAX])
{
	struct fleet_policy fresh = *p;
	int ret;

	log_bad("fleet-policy", why);
	for (int k = 0; k < POLICY_KEYS; k++)
		if (why[k][0])
			policy_copy_key(&fresh, &d->fleet_policy, k);
	d->fleet_policy = fresh;
	d->fleet_policy_received = clock_wall_ns();
	daemon_apply_policy(d);
	ret = save(d);
	if (ret)
		log_err("%s/%s: cannot save the fleet's policy: %s; it is in force until evtapd "
			"restarts",
			d->cfg->data_dir, FLEET_POLICY_FILE, strerror(-ret));
	return ret;
}

void fleet_policy_describe(const struct fleet_policy *p, char *buf, size_t len)
{
	char value[POLICY_VALUE_MAX];
	size_t n = 0;

	buf[0] = '\0';
	for (int k = 0; k < POLICY_KEYS && n < len; k++) {
		if (!((p->v.set >> k) & 1))
			continue;
		if (k == POLICY_PURPOSES) {
			value[0] = '\0';
			for (int i = 0; i < p->v.npurposes; i++)
				snprintf(value + strlen(value), sizeof(value) - strlen(value),
					 "%s%s", i ? "," : "", p->v.purposes[i].name);
		} else {
			policy_format(&p->v, k, value, sizeof(value));
		}
		n += (size_t)snprintf(buf + n, len - n, "%s%s=%s", n ? " " : "", policy_key_name(k),
				      value);
	}
	if (!n)
		snprintf(buf, len, "none");
}

static void add_time(json_object *o, const char *key, int64_t wall_ns)
{
	char ts[40];

	clock_format_rfc3339(wall_ns, ts, sizeof(ts));
	json_object_object_add(o, key, json_object_new_string(ts));
}

static json_object *purposes_json(const struct policy_values *v)
{
	json_object *a = json_object_new_array();

	for (int i = 0; i < v->npurposes; i++) {
		json_object *p = json_object_new_object();

		json_object_object_add(p, "name", json_object_new_string(v->purposes[i].name));
		json_object_object_add(p, "description",
				       json_object_new_string(v->purposes[i].description));
		json_object_array_add(a, p);
	}
	return a;
}

static json_object *value_json(const struct policy_values *v, enum policy_key k)
{
	char value[POLICY_VALUE_MAX];

	if (k == POLICY_PURPOSES)
		return purposes_json(v);
	policy_format(v, k, value, sizeof(value));
	return json_object_new_string(value);
}

/* One setting: its value in force, its source, and beside it the other side's value. */
static json_object *setting_json(const struct daemon *d, const struct policy_values *in_force,
				 enum policy_key k, enum policy_source from)
{
	const struct fleet_policy *f = &d->fleet_policy;
	int have_fleet = (f->v.set >> k) & 1, have_local = (d->local_policy.set >> k) & 1;
	json_object *s = json_object_new_object();

	json_object_object_add(s, "value", value_json(in_force, k));
	json_object_object_add(s, "source", json_object_new_string(policy_source_name(from)));
	if (have_fleet) {
		json_object_object_add(s, "revision",
				       json_object_new_int64((int64_t)f->revision[k]));
		add_time(s, "time", f->time_ns[k]);
	}
	if (have_fleet && have_local) {
		json_object_object_add(s, "fleet", value_json(&f->v, k));
		json_object_object_add(s, "local", value_json(&d->local_policy, k));
		json_object_object_add(
			s, "lowered",
			json_object_new_boolean(from == POLICY_FROM_LOCAL &&
						policy_lower(k, &d->local_policy, &f->v)));
	}
	return s;
}

json_object *fleet_policy_status(const struct daemon *d)
{
	struct policy_values in_force;
	enum policy_source from[POLICY_KEYS];
	json_object *o = json_object_new_object();

	policy_merge(&d->fleet_policy, &d->local_policy, &in_force, from);
	if (d->fleet_policy_received)
		add_time(o, "received", d->fleet_policy_received);
	for (int k = 0; k < POLICY_KEYS; k++)
		json_object_object_add(o, policy_key_name(k),
				       setting_json(d, &in_force, k, from[k]));
	return o;
}
