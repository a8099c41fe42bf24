// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What the shipper tells: status.json (for `evtap status`, through evtapd: docs/FLEET.md,
 * "Status") and metrics.prom (Prometheus' text format, for node_exporter's textfile
 * collector), both in the state dir, both replaced whole. They hold uids, never names or
 * pseudonyms: they stay on the machine, readable by the ship group only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <sodium.h>
#include "clock.h"
#include "fileio.h"
#include "log.h"
#include "shipd.h"

#define REFRESH_NS 60000000000LL

static const char *const error_names[SHIP_ERR_MAX] = {
	[SHIP_ERR_TIMEOUT] = "timeout", [SHIP_ERR_NO_RESPONDERS] = "no_responders",
	[SHIP_ERR_REFUSED] = "refused", [SHIP_ERR_CONNECTION] = "connection",
	[SHIP_ERR_OTHER] = "other",
};

const char *ship_error_name(enum ship_error e)
{
	return e >= 0 && e < SHIP_ERR_MAX ? error_names[e] : "other";
}

static void add_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static json_object *user_object(const struct ship_user *u)
{
	json_object *o = json_object_new_object();

	add_u64(o, "shipped_blocks", u->shipped_blocks);
	add_u64(o, "shipped_bytes", u->shipped_bytes);
	add_u64(o, "backlog_bytes", u->backlog_bytes);
	add_u64(o, "in_flight", u->fl_count);
	add_u64(o, "expired_unshipped", u->expired_segments);
	add_u64(o, "damaged", u->damaged);
	add_u64(o, "segment", u->wm.seq);
	add_u64(o, "offset", u->wm.off);
	json_object_object_add(o, "key_published", json_object_new_boolean(u->key_hash[0] != 0));
	json_object_object_add(o, "retrying", json_object_new_boolean(u->rewind));
	return o;
}

static json_object *status_object(struct shipd *sd, bool final)
{
	json_object *o = json_object_new_object(), *errs = json_object_new_object();
	json_object *users = json_object_new_object();
	char uid[16];

	json_object_object_add(o, "state", json_object_new_string(final ? "stopped" : "running"));
	json_object_object_add(o, "connected", json_object_new_boolean(publish_connected(sd)));
	add_u64(o, "reconnects", sd->c.reconnects);
	add_u64(o, "shipped_blocks", sd->c.shipped_blocks);
	add_u64(o, "shipped_bytes", sd->c.shipped_bytes);
	add_u64(o, "duplicates", sd->c.duplicates);
	add_u64(o, "backlog_bytes", sd->c.backlog_bytes);
	add_u64(o, "in_flight", sd->in_flight);
	add_u64(o, "expired_unshipped", sd->c.expired_segments);
	add_u64(o, "damaged", sd->c.damaged);
	add_u64(o, "keys_published", sd->c.keys_published);
	for (int i = 0; i < SHIP_ERR_MAX; i++)
		add_u64(errs, error_names[i], sd->c.errors[i]);
	json_object_object_add(o, "publish_errors", errs);
	for (size_t i = 0; i < sd->n_users; i++) {
		snprintf(uid, sizeof(uid), "%" PRIu32, sd->users[i]->uid);
		json_object_object_add(users, uid, user_object(sd->users[i]));
	}
	json_object_object_add(o, "users", users);
	return o;
}

static void write_status(struct shipd *sd, json_object *o)
{
	const char *text;
	char ts[40];
	int err;

	clock_format_rfc3339(clock_wall_ns(), ts, sizeof(ts));
	json_object_object_add(o, "updated", json_object_new_string(ts));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	err = fileio_replace(sd->state_fd, "status.json", text, strlen(text), 0640,
			     FILEIO_SAME_GID);
	if (err)
		log_warn("%s/status.json: %s", sd->state_dir, strerror(-err));
}

struct metric {
	const char *name, *type, *help;
	uint64_t value;
};

static void put_metric(FILE *f, const struct metric *m)
{
	fprintf(f, "# HELP evtap_ship_%s %s\n# TYPE evtap_ship_%s %s\nevtap_ship_%s %" PRIu64 "\n",
		m->name, m->help, m->name, m->type, m->name, m->value);
}

static void put_metrics(FILE *f, struct shipd *sd)
{
	const struct metric ms[] = {
		{ "blocks_total", "counter", "Blocks acknowledged by the stream.",
		  sd->c.shipped_blocks },
		{ "bytes_total", "counter", "Bytes of blocks acknowledged by the stream.",
		  sd->c.shipped_bytes },
		{ "duplicates_total", "counter", "Acknowledgements that were duplicates.",
		  sd->c.duplicates },
		{ "backlog_bytes", "gauge", "Bytes in the store not yet acknowledged.",
		  sd->c.backlog_bytes },
		{ "in_flight", "gauge", "Publishes not yet acknowledged.", sd->in_flight },
		{ "reconnects_total", "counter", "Reconnections to the servers.",
		  sd->c.reconnects },
		{ "expired_unshipped_segments_total", "counter",
		  "Segments retention deleted before they were all shipped.",
		  sd->c.expired_segments },
		{ "damaged_total", "counter", "Damaged blocks and segments skipped.",
		  sd->c.damaged },
		{ "keys_published_total", "counter", "Sealed keys published.",
		  sd->c.keys_published },
		{ "connected", "gauge", "1 while connected to a server.", publish_connected(sd) },
	};

	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++)
		put_metric(f, &ms[i]);
	fprintf(f, "# HELP evtap_ship_publish_errors_total Failed publishes, by reason.\n"
		   "# TYPE evtap_ship_publish_errors_total counter\n");
	for (int i = 0; i < SHIP_ERR_MAX; i++)
		fprintf(f, "evtap_ship_publish_errors_total{reason=\"%s\"} %" PRIu64 "\n",
			error_names[i], sd->c.errors[i]);
}

static void write_metrics(struct shipd *sd)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int err;

	if (!f)
		return;
	put_metrics(f, sd);
	fclose(f);
	err = fileio_replace(sd->state_fd, "metrics.prom", text, len, 0644, FILEIO_SAME_GID);
	if (err)
		log_warn("%s/metrics.prom: %s", sd->state_dir, strerror(-err));
	free(text);
}

/*
 * An idle shipper rewrites nothing: the files are written when what they say changed, and
 * once a minute besides, so that status.json's time shows the shipper is alive.
 */
void report_write(struct shipd *sd, bool final)
{
	int64_t now = clock_mono_ns();
	uint8_t hash[16];
	json_object *o;
	const char *text;

	sd->c.reconnects = publish_reconnects(sd);
	o = status_object(sd, final);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	crypto_generichash(hash, sizeof(hash), (const uint8_t *)text, strlen(text), NULL, 0);
	if (memcmp(hash, sd->report_hash, sizeof(hash)) || now - sd->report_at >= REFRESH_NS) {
		write_status(sd, o);
		write_metrics(sd);
		memcpy(sd->report_hash, hash, sizeof(hash));
		sd->report_at = now;
	}
	json_object_put(o);
}
