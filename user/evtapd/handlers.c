// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Control requests. The caller is known by SO_PEERCRED: any user may act on their own
 * consent and data; acting for another user, fleet-wide stats and the audit log are root's.
 * Every change, export, forget and refusal is audited.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <json-c/json.h>
#include "accesslog.h"
#include "audit.h"
#include "clock.h"
#include "counters.h"
#include "daemon.h"
#include "export.h"
#include "fleet_policy.h"
#include "kernel.h"
#include "log.h"
#include "names.h"
#include "outbox.h"
#include "receipts.h"
#include "shipping.h"
#include "version.h"

#define SEND_TIMEOUT_S	60
#define EXPORT_FLUSH_NS 1000000000LL

struct call {
	struct daemon *d;
	struct control_client *client;
	const struct ucred *cred;
	const struct request *req;
	uint32_t uid; /* whom the request is for */
};

static void reply_json(struct call *c, json_object *o)
{
	control_reply(c->d->control, c->client,
		      json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void audit(struct call *c, const char *op, int64_t uid, const char *old_value,
		  const char *new_value, const char *result)
{
	struct audit_entry e = {
		.caller_uid = c->cred->uid,
		.caller_pid = c->cred->pid,
		.op = op,
		.target_uid = uid,
		.old_value = old_value,
		.new_value = new_value,
		.result = result,
	};

	audit_log(&e);
}

static void reply_error(struct call *c, const char *msg)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	reply_json(c, o);
}

/* Refusals are what anyone can cause at will: their audit lines are rate-limited. */
static void refuse(struct call *c, const char *op, int64_t uid, const char *why)
{
	struct audit_entry e = {
		.caller_uid = c->cred->uid,
		.caller_pid = c->cred->pid,
		.op = op,
		.target_uid = uid,
		.result = why,
	};

	c->d->stats.requests_refused++;
	audit_log_refusal(&e);
	reply_error(c, why);
}

static json_object *ok_object(void)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	return o;
}

static void add_time(json_object *o, const char *key, int64_t wall_ns)
{
	char ts[40];

	clock_format_rfc3339(wall_ns, ts, sizeof(ts));
	json_object_object_add(o, key, json_object_new_string(ts));
}

/* The seat uid is active on, if any: the first one, as a person sits at one seat at a time. */
static int seat_of(const struct daemon *d, uint32_t uid)
{
	for (int i = 0; i < d->nseats; i++)
		if (d->seats[i].uid == uid)
			return i;
	return -1;
}

static const char *gate_reason(int reason)
{
	switch (reason) {
	case EVTAP_STAT_GATE_OPTED_OUT:
		return "you opted out";
	case EVTAP_STAT_GATE_PAUSED:
		return "you paused recording";
	case EVTAP_STAT_GATE_NO_SESSION:
		return "you are not the active user of any seat";
	case EVTAP_STAT_GATE_LOCKED:
		return "your session is locked";
	default:
		return "the level in force is off";
	}
}

static json_object *status_object(struct daemon *d, uint32_t uid)
{
	const struct consent_user *u = consent_get(d->consent, uid);
	json_object *o = ok_object();
	int reason = 0, level, seat;

	level = daemon_user_level(d, uid, clock_mono_ns(), &reason);
	seat = seat_of(d, uid);
	if (level != EVTAP_LEVEL_OFF && seat < 0)
		reason = EVTAP_STAT_GATE_NO_SESSION;
	else if (level != EVTAP_LEVEL_OFF && d->seats[seat].locked)
		reason = EVTAP_STAT_GATE_LOCKED;
	json_object_object_add(o, "uid", json_object_new_int64(uid));
	json_object_object_add(o, "recording",
			       json_object_new_boolean(level != EVTAP_LEVEL_OFF && !reason));
	json_object_object_add(o, "level", json_object_new_string(evtap_level_name(level)));
	json_object_object_add(o, "fleet_level",
			       json_object_new_string(evtap_level_name(d->fleet.level)));
	json_object_object_add(
		o, "default_consent",
		json_object_new_string(d->fleet.default_consent ? "skip" : "record"));
	json_object_object_add(o, "chose", json_object_new_boolean(u != NULL));
	if (u) {
		json_object_object_add(o, "user_level",
				       json_object_new_string(evtap_level_name(u->level)));
		json_object_object_add(o, "opted_out", json_object_new_boolean(u->opted_out));
		if (u->paused_until_wall > clock_wall_ns())
			add_time(o, "paused_until", u->paused_until_wall);
		json_object_object_add(o, "excluded_purposes", json_object_new_string(u->excluded));
		json_object_object_add(o, "source",
				       json_object_new_string(u->from_fleet ? "fleet" : "local"));
		if (u->changed_wall)
			add_time(o, "source_time", u->changed_wall);
	}
	if (seat >= 0) {
		json_object_object_add(o, "seat", json_object_new_string(d->seat_names[seat]));
		json_object_object_add(o, "locked", json_object_new_boolean(d->seats[seat].locked));
	}
	if (reason)
		json_object_object_add(o, "why_not", json_object_new_string(gate_reason(reason)));
	json_object_object_add(o, "policy", fleet_policy_status(d));
	return o;
}

static void do_status(struct call *c)
{
	json_object *o = status_object(c->d, c->uid);
	const struct daemon_config *cfg = c->d->cfg;

	if (cfg->fleet_on)
		json_object_object_add(
			o, "shipping",
			shipping_status(cfg->fleet.ship_state_dir, c->uid, c->cred->uid == 0));
	reply_json(c, o);
}

static void describe(const struct consent_user *u, char *buf, size_t len)
{
	char until[40] = "";

	if (!u) {
		snprintf(buf, len, "default");
		return;
	}
	if (u->paused_until_wall)
		clock_format_rfc3339(u->paused_until_wall, until, sizeof(until));
	snprintf(buf, len, "%s level=%s%s%s%s%s", u->opted_out ? "opted-out" : "opted-in",
		 evtap_level_name(u->level), until[0] ? " paused_until=" : "", until,
		 u->excluded[0] ? " excluded=" : "", u->excluded);
}

typedef void (*consent_edit_fn)(struct consent_user *u, const struct request *req);

/* With a purpose, only that use by the fleet is refused: recording here goes on. */
static void edit_opt_out(struct consent_user *u, const struct request *req)
{
	if (!req->purposes[0])
		u->opted_out = 1;
	else if (purposes_add(u->excluded, req->purposes))
		log_warn("uid %u: purpose not excluded: too many", u->uid);
}

static void edit_opt_in(struct consent_user *u, const struct request *req)
{
	if (req->purposes[0]) {
		purposes_remove(u->excluded, req->purposes);
		return;
	}
	u->opted_out = 0;
	u->paused_until_wall = 0;
}

static void edit_level(struct consent_user *u, const struct request *req)
{
	u->level = req->level;
}

static void edit_pause(struct consent_user *u, const struct request *req)
{
	u->paused_until_wall = clock_wall_ns() + req->pause_s * 1000000000LL;
}

static void do_consent_change(struct call *c, consent_edit_fn edit)
{
	const struct consent_user *old = consent_get(c->d->consent, c->uid);
	struct consent_user u = { .uid = c->uid, .level = EVTAP_LEVEL_FULL };
	char before[96 + PURPOSES_TEXT], after[96 + PURPOSES_TEXT], msg[256];
	const char *op = request_op_name(c->req->op);
	int err, save_err;

	if (old)
		u = *old;
	describe(old, before, sizeof(before));
	edit(&u, c->req);
	u.changed_wall = clock_wall_ns();
	u.from_fleet = 0;
	describe(&u, after, sizeof(after));
	err = daemon_set_consent(c->d, &u, &save_err);
	audit(c, op, c->uid, before, after, err || save_err ? strerror(-(err ?: save_err)) : "ok");
	/* Never answered as done unless it is: in force, and durable. */
	if (err == -E2BIG) {
		reply_error(c, "not applied: the kernel's consent table is full; an opt-out, a "
			       "pause or a lower level is always applied, more recording is not");
		return;
	}
	if (err || save_err) {
		snprintf(msg, sizeof(msg),
			 err ? "failed: %s: nothing was changed"
			     : "failed: %s: the change is in force until evtapd restarts, but was "
			       "not made durable; run the command again",
			 strerror(-(err ?: save_err)));
		reply_error(c, msg);
		return;
	}
	do_status(c);
}

/* The local shred: what is buffered, then the keys and segments. */
static int shred(struct call *c)
{
	int err;

	/* No export of the user's data outlives the forget's answer. */
	children_end(&c->d->children, c->uid);
	store_discard(c->d->store, c->uid);
	err = store_forget(c->d->store, c->uid) ?: daemon_forget_consent(c->d, c->uid);
	audit(c, request_op_name(c->req->op), c->uid, NULL, NULL, err ? strerror(-err) : "ok");
	if (err)
		reply_error(c, strerror(-err));
	return err;
}

/* In fleet mode the person's other machines hear of it through the outbox (docs/FLEET.md). */
static void do_forget(struct call *c)
{
	struct daemon *d = c->d;
	int err = shred(c);

	if (err)
		return;
	if (d->outbox_fd >= 0)
		err = outbox_forget(d->outbox_fd, d->ship_gid, c->uid, clock_wall_ns());
	if (err) {
		log_err("uid %u: forget: cannot write the fleet outbox: %s", c->uid,
			strerror(-err));
		reply_error(c, "erased here, but the fleet could not be told: forget again");
		return;
	}
	reply_json(c, ok_object());
}

static void do_fleet_forget(struct call *c)
{
	if (!shred(c))
		reply_json(c, ok_object());
}

static void fleet_entry(const struct request *req, struct consent_user *u)
{
	*u = (struct consent_user){
		.uid = req->uid,
		.opted_out = req->opted_out,
		.level = req->level,
		.paused_until_wall = req->paused_until_ns,
		.changed_wall = req->changed_ns,
		.from_fleet = 1,
	};
	snprintf(u->excluded, sizeof(u->excluded), "%s", req->purposes);
}

/*
 * A choice made on another machine: applied exactly as a local one, unless the choice in
 * force here is newer (consent_fleet_wins). "applied" says which.
 */
static void do_fleet_consent(struct call *c)
{
	const struct consent_user *old = consent_get(c->d->consent, c->uid);
	struct consent_user u;
	char before[96 + PURPOSES_TEXT], after[96 + PURPOSES_TEXT];
	json_object *o;
	int wins, err = 0, save_err = 0;

	fleet_entry(c->req, &u);
	wins = consent_fleet_wins(old, &u);
	describe(old, before, sizeof(before));
	describe(&u, after, sizeof(after));
	if (wins)
		err = daemon_set_consent(c->d, &u, &save_err) ?: save_err;
	audit(c, "fleet-consent", c->uid, before, after,
	      err    ? strerror(-err)
	      : wins ? "ok"
		     : "kept: the choice here is newer");
	if (err) {
		reply_error(c, save_err ? "failed: the change is in force until evtapd restarts, "
					  "but was not made durable"
					: "failed: nothing was changed");
		return;
	}
	o = status_object(c->d, c->uid);
	json_object_object_add(o, "applied", json_object_new_boolean(wins));
	reply_json(c, o);
}

/*
 * The fleet's policy as the bucket now holds it: in force at once, as a reload would put it,
 * then saved. A bad key is logged and keeps the value before; the rest applies.
 */
static void do_fleet_policy(struct call *c)
{
	struct daemon *d = c->d;
	char before[POLICY_VALUE_MAX + 256], after[POLICY_VALUE_MAX + 256], why[64];
	char bad[POLICY_KEYS + 1][POLICY_WHY_MAX];
	json_object *o;
	int err, nbad = 0;

	memcpy(bad, c->req->policy_why, sizeof(bad));
	for (int k = 0; k <= POLICY_KEYS; k++)
		nbad += bad[k][0] != '\0';
	fleet_policy_describe(&d->fleet_policy, before, sizeof(before));
	err = fleet_policy_take(d, &c->req->policy, bad);
	fleet_policy_describe(&d->fleet_policy, after, sizeof(after));
	snprintf(why, sizeof(why), "ok, %d bad key%s ignored", nbad, nbad == 1 ? "" : "s");
	audit(c, "fleet-policy", -1, before, after, err ? strerror(-err) : nbad ? why : "ok");
	if (err) {
		reply_error(c, "applied, but could not be saved: it will not survive a restart");
		return;
	}
	o = ok_object();
	json_object_object_add(o, "policy", fleet_policy_status(d));
	reply_json(c, o);
}

static void do_forget_status(struct call *c)
{
	const struct daemon_config *cfg = c->d->cfg;
	json_object *o;

	if (!cfg->fleet_on) {
		reply_error(c,
			    "not in a fleet: forget erases this machine's copy, and that is all");
		return;
	}
	o = ok_object();
	receipts_status(o, cfg->fleet.ship_state_dir, c->uid);
	reply_json(c, o);
}

/* The object at a dotted path under root, made as needed: "collector.dropped". */
static json_object *group_object(json_object *root, const char *path)
{
	json_object *o = root, *child;
	char part[64];

	while (*path) {
		size_t n = strcspn(path, ".");
		snprintf(part, sizeof(part), "%.*s", (int)n, path);
		if (!json_object_object_get_ex(o, part, &child)) {
			child = json_object_new_object();
			json_object_object_add(o, part, child);
		}
		o = child;
		path += n + (path[n] == '.');
	}
	return o;
}

static void add_counter(void *ctx, const struct counter_group *g, const char *name, uint64_t value)
{
	json_object_object_add(group_object(ctx, g->json), name,
			       json_object_new_int64((int64_t)value));
}

/* "kernel_path": {"buffer": "ringbuf" or "perf", "attach": "fentry" or "kprobe"}. */
static void kernel_path_json(json_object *o, const struct kernel *k)
{
	json_object *path = json_object_new_object();

	json_object_object_add(path, "buffer", json_object_new_string(kernel_buffer_name(k)));
	json_object_object_add(path, "attach", json_object_new_string(kernel_attach_name(k)));
	json_object_object_add(o, "kernel_path", path);
}

static json_object *string_array(const char list[][KERNEL_HOOK_NAME_MAX], int n)
{
	json_object *a = json_object_new_array();

	for (int i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(list[i]));
	return a;
}

/* "display_hooks": {"attached": [..], "missing": [..]}, beside the hits the counters put there. */
static void display_hooks_json(json_object *o, const struct kernel *k)
{
	const struct kernel_display_hooks *h = kernel_display_hooks(k);
	json_object *hooks = group_object(o, "display_hooks");

	json_object_object_add(hooks, "attached", string_array(h->attached, h->nattached));
	json_object_object_add(hooks, "missing", string_array(h->missing, h->nmissing));
}

static json_object *stats_object(struct daemon *d)
{
	json_object *o = ok_object();

	counters_walk(d, add_counter, o);
	display_hooks_json(o, d->kernel);
	kernel_path_json(o, d->kernel);
	return o;
}

static void do_stats(struct call *c)
{
	reply_json(c, stats_object(c->d));
}

/*
 * The shipper's heartbeat: the same counters as stats, which are all summed over users (no
 * uid, no name), and the version.
 */
static void do_fleet_health(struct call *c)
{
	json_object *o = stats_object(c->d);

	json_object_object_add(o, "version", json_object_new_string(EVTAP_VERSION));
	reply_json(c, o);
}

static void add_device(void *ctx, const struct evtap_device *dev)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "index", json_object_new_int64(dev->index));
	json_object_object_add(o, "name", json_object_new_string(dev->name));
	json_object_object_add(o, "class",
			       json_object_new_string(evtap_device_class_name(dev->class)));
	json_object_object_add(o, "bus", json_object_new_int(dev->bus));
	json_object_object_add(o, "vendor", json_object_new_int(dev->vendor));
	json_object_object_add(o, "product", json_object_new_int(dev->product));
	json_object_array_add(ctx, o);
}

static void do_devices(struct call *c)
{
	json_object *o = ok_object(), *list = json_object_new_array();

	devices_foreach(c->d->devices, add_device, list);
	json_object_object_add(o, "devices", list);
	reply_json(c, o);
}

/* The rotated log first, then the current one: oldest first. */
static int stream_audit(FILE *out, const struct daemon_config *cfg)
{
	static const char *const names[] = { "audit.log.1", "audit.log" };
	char path[512], buf[8192];
	size_t n;
	FILE *in;

	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", cfg->data_dir, names[i]);
		in = fopen(path, "re");
		if (!in && errno == ENOENT && i == 0)
			continue;
		if (!in)
			return -errno;
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			if (fwrite(buf, 1, n, out) != n)
				break;
		fclose(in);
	}
	return 0;
}

/*
 * The streaming child holds nothing of the daemon's but its own client's socket: not the other
 * clients' sockets, nor the signals the daemon blocks; a reader that stops reading for
 * SEND_TIMEOUT_S ends it.
 */
static int child_setup(int fd)
{
	struct timeval tv = { .tv_sec = SEND_TIMEOUT_S };
	sigset_t none;

	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) || prctl(PR_SET_PDEATHSIG, SIGTERM))
		return -errno;
	if (dup2(fd, 3) < 0 || close_range(4, ~0U, 0))
		return -errno;
	return setsockopt(3, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ? -errno : 3;
}

static void run_child(int fd, const struct daemon_config *cfg, const struct request *req,
		      uint32_t uid)
{
	FILE *out;
	int ret;

	fd = child_setup(fd);
	out = fd < 0 ? NULL : fdopen(fd, "w");
	if (!out)
		_exit(1);
	fputs("{\"ok\":true}\n", out);
	if (req->op == REQ_AUDIT)
		ret = stream_audit(out, cfg);
	else if (req->op == REQ_ACCESS_LOG)
		ret = accesslog_stream(out, cfg->fleet.ship_state_dir, uid);
	else
		ret = export_users(out, cfg->data_dir, cfg->key_dir, req, uid);
	_exit(fclose(out) || ret ? 1 : 0);
}

/*
 * Long answers are streamed by a child, so that a slow reader never holds up capture. The
 * store is flushed first, at most once per EXPORT_FLUSH_NS: an export includes everything
 * captured up to that flush.
 */
static void stream_in_child(struct call *c, int64_t target)
{
	uint32_t caller = c->cred->uid; /* cred goes with the client, at control_take_fd */
	const char *why = children_refusal(&c->d->children, caller);
	int fd;
	pid_t pid;

	if (why) {
		refuse(c, request_op_name(c->req->op), target, why);
		return;
	}
	audit(c, request_op_name(c->req->op), target, NULL, NULL, "ok");
	if (c->req->op == REQ_EXPORT)
		daemon_flush(c->d, EXPORT_FLUSH_NS);
	fd = control_take_fd(c->d->control, c->client);
	pid = fork();
	if (pid == 0)
		run_child(fd, c->d->cfg, c->req, c->uid);
	if (pid < 0)
		log_err("export: fork: %s", strerror(errno));
	else
		children_add(&c->d->children, pid, caller, target);
	close(fd);
}

/* The fleet's releases and refusals of the caller's data, streamed: it only grows. */
static void do_access_log(struct call *c)
{
	if (!c->d->cfg->fleet_on) {
		reply_error(c, "not in a fleet: nothing of this machine's data is released "
			       "anywhere, so there is no access log");
		return;
	}
	stream_in_child(c, c->uid);
}

/* What only evtap-shipd may ask: the fleet's changes, which it alone hears. */
static int fleet_op(enum request_op op)
{
	return op == REQ_FLEET_CONSENT || op == REQ_FLEET_FORGET || op == REQ_FLEET_POLICY ||
	       op == REQ_FLEET_HEALTH;
}

static int permitted(struct call *c, const char **why)
{
	int root = c->cred->uid == 0;

	*why = NULL;
	if (fleet_op(c->req->op))
		*why = c->d->cfg->fleet_on && c->cred->uid == c->d->ship_uid
			       ? NULL
			       : "permission denied: only evtap-shipd may apply the fleet's "
				 "changes";
	else if (!root && c->req->has_uid && c->req->uid != c->cred->uid)
		*why = "permission denied: only root may act for another user";
	else if (!root && c->req->all_users)
		*why = "permission denied: only root may export every user's data";
	else if (!root && (c->req->op == REQ_STATS || c->req->op == REQ_AUDIT))
		*why = "permission denied: only root may read fleet-wide stats and the audit log";
	return *why == NULL;
}

void handlers_on_request(void *ctx, struct control_client *client, const struct ucred *cred,
			 const struct request *req, const char *err)
{
	struct call c = { .d = ctx, .client = client, .cred = cred, .req = req };
	const char *why;

	c.d->stats.requests++;
	if (!req) {
		refuse(&c, "malformed", -1, err);
		return;
	}
	c.uid = req->has_uid ? req->uid : cred->uid;
	if (!permitted(&c, &why)) {
		refuse(&c, request_op_name(req->op), req->has_uid ? (int64_t)req->uid : -1, why);
		return;
	}
	/* Every operation by name, no default: a new one does not build until it is handled. */
	switch (req->op) {
	case REQ_STATUS:
		do_status(&c);
		break;
	case REQ_STATS:
		do_stats(&c);
		break;
	case REQ_DEVICES:
		do_devices(&c);
		break;
	case REQ_EXPORT:
		stream_in_child(&c, req->all_users ? CHILD_ALL_USERS : (int64_t)c.uid);
		break;
	case REQ_AUDIT:
		stream_in_child(&c, CHILD_NO_USER);
		break;
	case REQ_FORGET:
		do_forget(&c);
		break;
	case REQ_OPT_OUT:
		do_consent_change(&c, edit_opt_out);
		break;
	case REQ_OPT_IN:
		do_consent_change(&c, edit_opt_in);
		break;
	case REQ_LEVEL:
		do_consent_change(&c, edit_level);
		break;
	case REQ_PAUSE:
		do_consent_change(&c, edit_pause);
		break;
	case REQ_FORGET_STATUS:
		do_forget_status(&c);
		break;
	case REQ_FLEET_CONSENT:
		do_fleet_consent(&c);
		break;
	case REQ_FLEET_FORGET:
		do_fleet_forget(&c);
		break;
	case REQ_FLEET_POLICY:
		do_fleet_policy(&c);
		break;
	case REQ_FLEET_HEALTH:
		do_fleet_health(&c);
		break;
	case REQ_ACCESS_LOG:
		do_access_log(&c);
		break;
	case REQ_OP_MAX:
		refuse(&c, "malformed", -1, "unknown operation");
		break;
	}
}
