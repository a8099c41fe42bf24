// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * SIGHUP: the configuration file is read again into a fresh configuration, with the command
 * line's flags applied over it as at start-up. What the kernel reads from its fleet variable
 * (level, default consent, time granularity, wakeup batching) and the loop's intervals change
 * at once; what was built at start-up (the store, the socket, the ring buffer, the session
 * source, the pins, the metrics listener) is only reported as needing a restart. A file that
 * does not parse changes nothing. The fleet's policy, when evtap-shipd hands over a new one,
 * is applied the same way (daemon_apply_policy): what is in force is the lower of it and the
 * file's settings.
 */
#include <string.h>
#include "clock.h"
#include "config.h"
#include "daemon.h"
#include "fleet_policy.h"
#include "kernel.h"
#include "names.h"
#include "log.h"

static int differ(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && strcmp(a, b));
}

static void report_restart(const struct daemon_config *cur, const struct daemon_config *fresh)
{
	const char *changed[16];
	int n = 0;

	if (differ(cur->data_dir, fresh->data_dir))
		changed[n++] = "data-dir";
	if (differ(cur->key_dir, fresh->key_dir))
		changed[n++] = "key-dir";
	if (differ(cur->socket_path, fresh->socket_path))
		changed[n++] = "socket";
	if (differ(cur->session_spec, fresh->session_spec))
		changed[n++] = "session-source";
	if (differ(cur->metrics, fresh->metrics))
		changed[n++] = "metrics";
	if (cur->ringbuf_bytes != fresh->ringbuf_bytes)
		changed[n++] = "ringbuf-kb";
	if (cur->pin != fresh->pin)
		changed[n++] = "pin";
	if (differ(cur->user, fresh->user))
		changed[n++] = "user";
	if (cur->buffer != fresh->buffer)
		changed[n++] = "buffer";
	if (cur->attach != fresh->attach)
		changed[n++] = "attach";
	if (cur->retention_ns != fresh->retention_ns)
		changed[n++] = "retention-days";
	if (cur->max_user_bytes != fresh->max_user_bytes)
		changed[n++] = "max-disk-mb";
	if (cur->max_total_bytes != fresh->max_total_bytes)
		changed[n++] = "max-total-mb";
	for (int i = 0; i < n; i++)
		log_warn("reload: %s changed: needs a restart, the old value stays in force",
			 changed[i]);
}

/*
 * No record is lost to the change: while the kernel switches, the collector's second check
 * allows what either policy allows, until the records captured under the old one are drained.
 */
static void apply_fleet(struct daemon *d, const struct evtap_fleet *fresh)
{
	struct evtap_fleet both = *fresh;

	if (d->fleet.level > both.level)
		both.level = d->fleet.level;
	if (d->fleet.default_consent == EVTAP_DEFAULT_RECORD)
		both.default_consent = EVTAP_DEFAULT_RECORD;
	d->fleet = both;
	kernel_set_fleet(d->kernel, fresh);
	daemon_drain(d);
	d->fleet = *fresh;
}

void daemon_apply_policy(struct daemon *d)
{
	struct evtap_fleet fleet = d->fleet;
	struct policy_values in_force;
	enum policy_source from[POLICY_KEYS];

	policy_merge(d->cfg->fleet_on ? &d->fleet_policy : NULL, &d->local_policy, &in_force, from);
	fleet.level = (__u8)in_force.level;
	fleet.default_consent = (__u8)in_force.default_consent;
	fleet.time_granularity_ns = (__u64)in_force.time_granularity_ns;
	apply_fleet(d, &fleet);
	store_set_retention(d->store, in_force.retention_ns);
}

/* The file's settings as the local policy; retention-days waits for a restart. */
static void take_local(struct daemon *d, const struct daemon_config *fresh)
{
	const unsigned int retention = 1U << POLICY_RETENTION;
	struct policy_values local;

	fleet_policy_local(fresh, &local);
	local.retention_ns = d->local_policy.retention_ns;
	local.set = (local.set & ~retention) | (d->local_policy.set & retention);
	d->local_policy = local;
}

void daemon_reload_config(struct daemon *d)
{
	struct daemon_config fresh, *cur = &d->config;
	struct evtap_fleet fleet = d->fleet;
	char err[512];

	if (config_load(&fresh, cur->argc, cur->argv, err, sizeof(err)) != OPTIONS_RUN) {
		log_err("reload: %s: keeping the configuration in force", err);
		config_free(&fresh);
		return;
	}
	report_restart(cur, &fresh);
	/* The ring in force: a new ringbuf-kb waits for a restart. */
	fleet.wakeup_bytes = buffer_wakeup_bytes(fresh.wakeup_bytes, cur->ringbuf_bytes);
	apply_fleet(d, &fleet);
	take_local(d, &fresh);
	daemon_apply_policy(d);
	cur->level = fresh.level;
	cur->default_consent = fresh.default_consent;
	cur->time_granularity_ns = fresh.time_granularity_ns;
	cur->wakeup_bytes = fresh.wakeup_bytes;
	cur->flush_interval_ns = fresh.flush_interval_ns;
	cur->count_interval_ns = fresh.count_interval_ns;
	cur->poll_interval_ns = fresh.poll_interval_ns;
	if (cur->metrics_interval_ns != fresh.metrics_interval_ns) {
		cur->metrics_interval_ns = fresh.metrics_interval_ns;
		if (daemon_arm_metrics(d))
			log_warn("reload: metrics-interval: cannot re-arm the timer");
	}
	cur->verbose = fresh.verbose;
	log_init("evtapd", cur->verbose ? LOG_DEBUG : LOG_INFO);
	log_info("reloaded %s: level %s", cur->config_path, evtap_level_name(d->fleet.level));
	config_free(&fresh);
}
