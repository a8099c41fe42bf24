// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtapd's lifecycle: load the programs (in the kernel layer's child), become the evtap user
 * with no capability, load consent and seats into their maps, and only then attach; run the
 * event loop; on SIGTERM detach, drain, flush and exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <limits.h>
#include <stdbool.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include "audit.h"
#include "clock.h"
#include "counters.h"
#include "daemon.h"
#include "evtap_policy.h"
#include "fleet_policy.h"
#include "fleet_pseudonym.h"
#include "kernel.h"
#include "names.h"
#include "log.h"
#include "metrics.h"
#include "outbox.h"
#include "privdrop.h"

enum loop_source {
	SRC_SIGNAL = 1,
	SRC_RINGBUF,
	SRC_CONTROL,
	SRC_DEVICES,
	SRC_SESSION,
	SRC_METRICS,
	SRC_METRICS_TIMER
};

int daemon_seat_id(struct daemon *d, const char *name)
{
	for (int i = 0; i < d->nseats; i++)
		if (!strcmp(d->seat_names[i], name))
			return i;
	if (d->nseats == EVTAP_MAX_SEATS)
		return -ENOSPC;
	snprintf(d->seat_names[d->nseats], SESSION_SEAT_NAME_MAX, "%s", name);
	d->seats[d->nseats].uid = EVTAP_UID_NONE;
	/* The kernel's entry is zeroes, uid 0, until set: a new seat has no one on it. */
	if (kernel_set_seat(d->kernel, (__u32)d->nseats, &d->seats[d->nseats]))
		log_err("seat %s: cannot update the seats map", name);
	return d->nseats++;
}

/* The level that entry u (NULL: the user never chose) gives at now_mono. */
static int entry_level(const struct daemon *d, const struct consent_user *u, int64_t now_mono,
		       int *reason)
{
	struct evtap_consent k;

	if (u)
		consent_to_kernel(u, &k);
	return evtap_user_level(&d->fleet, u ? &k : NULL, (uint64_t)now_mono, reason);
}

int daemon_user_level(const struct daemon *d, uint32_t uid, int64_t now_mono, int *reason)
{
	return entry_level(d, consent_get(d->consent, uid), now_mono, reason);
}

/* Loads uid's entry into the kernel's map; NULL: none, the fleet's default applies. */
static int load_entry(struct daemon *d, uint32_t uid, const struct consent_user *u)
{
	struct evtap_consent k;

	if (!u)
		return kernel_clear_consent(d->kernel, uid);
	consent_to_kernel(u, &k);
	return kernel_set_consent(d->kernel, uid, &k);
}

static void push_consent(void *ctx, const struct consent_user *u)
{
	struct daemon *d = ctx;

	if (load_entry(d, u->uid, u))
		log_err("uid %u: cannot load consent into the kernel: the collector applies it",
			u->uid);
}

/*
 * What a user who never chose gets under a recording default: such an entry is not kept. In
 * fleet mode it is: its time decides against an older choice from another machine.
 */
static bool is_default(const struct daemon *d, const struct consent_user *u)
{
	return !d->cfg->fleet_on && d->fleet.default_consent == EVTAP_DEFAULT_RECORD &&
	       !u->opted_out && !u->excluded[0] && u->level == EVTAP_LEVEL_FULL &&
	       u->paused_until_wall <= clock_wall_ns();
}

int daemon_persist_consent(struct daemon *d, uint32_t uid)
{
	int reason, err = 0, save_err;

	if (daemon_user_level(d, uid, clock_mono_ns(), &reason) == EVTAP_LEVEL_OFF)
		err = store_discard(d->store, uid);
	/* Saved even when the discard failed: the choice itself must survive a restart. */
	save_err = consent_save(d->consent);
	return err ? err : save_err;
}

/*
 * The kernel's map holds EVTAP_MAX_USERS entries. When it cannot take a new one, a raise is
 * refused and nothing changes; a restriction is kept in the daemon's table all the same, where
 * the collector's second check drops every record the kernel still lets through.
 */
int daemon_set_consent(struct daemon *d, const struct consent_user *u, int *save_err)
{
	const struct consent_user *cur = consent_get(d->consent, u->uid);
	struct consent_user old = cur ? *cur : (struct consent_user){ 0 };
	const struct consent_user *keep = is_default(d, u) ? NULL : u;
	int64_t now = clock_mono_ns();
	int reason, err;

	*save_err = 0;
	err = load_entry(d, u->uid, keep);
	if (err && entry_level(d, keep, now, &reason) > entry_level(d, cur, now, &reason))
		return err;
	if (err)
		log_warn("uid %u: the kernel's consent map is full: the collector drops this "
			 "user's records",
			 u->uid);
	err = keep ? consent_set(d->consent, u) : 0;
	if (!keep)
		consent_remove(d->consent, u->uid);
	if (err) {
		load_entry(d, u->uid, cur ? &old : NULL);
		return err;
	}
	*save_err = daemon_persist_consent(d, u->uid);
	/* A change made here, not one the fleet brought, goes to the fleet too. */
	if (!*save_err && d->outbox_fd >= 0 && !u->from_fleet)
		*save_err = outbox_consent(d->outbox_fd, d->ship_gid, u);
	return 0;
}

/*
 * A forget drops an entry that records more than the default (an opt-in); one that restricts
 * stays: erasing a user's data never starts recording them.
 */
int daemon_forget_consent(struct daemon *d, uint32_t uid)
{
	const struct consent_user *u = consent_get(d->consent, uid);
	int64_t now = clock_mono_ns();
	int reason, err;

	if (!u || entry_level(d, u, now, &reason) <= entry_level(d, NULL, now, &reason))
		return 0;
	err = kernel_clear_consent(d->kernel, uid);
	if (err)
		return err;
	consent_remove(d->consent, uid);
	return consent_save(d->consent);
}

static void on_session(void *ctx, const struct session_state *st)
{
	struct daemon *d = ctx;
	int id = daemon_seat_id(d, st->seat);

	if (id < 0) {
		log_warn("seat %s: more than %d seats, not captured", st->seat, EVTAP_MAX_SEATS);
		return;
	}
	d->seats[id].uid = st->uid;
	d->seats[id].locked = (__u8)st->locked;
	if (kernel_set_seat(d->kernel, (__u32)id, &d->seats[id]))
		log_err("seat %s: cannot update the seats map", st->seat);
	log_info("seat %s: %s%s", st->seat,
		 st->uid == EVTAP_UID_NONE ? "no session" : "active user",
		 st->locked ? ", locked" : "");
}

static void on_device_seat(void *ctx, const struct evtap_device *dev, const char *seat)
{
	struct daemon *d = ctx;
	int id = daemon_seat_id(d, seat);

	if (id < 0 || kernel_set_device_seat(d->kernel, dev->index, (__u32)id)) {
		log_warn("input%u: cannot route to seat %s", dev->index, seat);
		return;
	}
	log_info("input%u (%s): %s", dev->index, dev->name, seat);
}

static int add_to_loop(int epfd, int fd, uint32_t events, enum loop_source src)
{
	struct epoll_event ev = { .events = events, .data.u32 = src };

	return fd < 0 || !epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? 0 : -errno;
}

static int open_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* Creates path and its missing parents, 0700, as systemd's StateDirectory= does. */
static int make_dirs(const char *path)
{
	char dir[PATH_MAX];

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	for (char *p = dir + 1;; p++) {
		char c = *p;

		if (c && c != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) && errno != EEXIST)
			return -errno;
		if (!c)
			return 0;
		*p = c;
	}
}

static int make_socket_dir(const char *socket_path, const struct privdrop_user *u, char *dir,
			   size_t len)
{
	char *slash;

	snprintf(dir, len, "%s", socket_path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir) {
		snprintf(dir, len, "%s", slash ? "/" : ".");
		return 0;
	}
	*slash = '\0';
	/* 0755: every user must reach the socket; the socket itself checks each caller. */
	if (!mkdir(dir, 0755))
		return chown(dir, u->uid, u->gid) ? -errno : 0;
	/* One that was there stays as it is: it may not be evtapd's to give (/run, /tmp). */
	return errno == EEXIST ? 0 : -errno;
}

/*
 * One daemon per socket: a second one would unlink the live socket and attach its programs
 * beside the first's. The lock is evtapd.pid beside the socket, holding the holder's pid.
 */
static int lock_instance(struct daemon *d)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], pid[16] = "";
	int ret = make_socket_dir(d->cfg->socket_path, &d->user, dir, sizeof(dir));

	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/evtapd.pid", dir);
	d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (d->lock_fd < 0)
		return -errno;
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB)) {
		ret = errno == EWOULDBLOCK ? DAEMON_ERUNNING : -errno;
		if (read(d->lock_fd, pid, sizeof(pid) - 1) > 0)
			pid[strcspn(pid, "\n")] = '\0';
		if (ret == DAEMON_ERUNNING)
			log_err("another evtapd is running (pid %s, holding %s)", pid, path);
		return ret;
	}
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	if (ftruncate(d->lock_fd, 0) || pwrite(d->lock_fd, pid, strlen(pid), 0) < 0)
		return -errno;
	return 0;
}

void daemon_drain(struct daemon *d)
{
	d->now_mono = clock_mono_ns();
	clock_sync();
	if (buffer_consume(d->ringbuf) < 0)
		log_warn("ring buffer: consume failed");
}

/* Retention runs at each flush: limits hold within a flush interval and a segment. */
static void flush_store(struct daemon *d)
{
	int err = store_flush(d->store);

	if (err)
		log_warn("store: flush failed: %s", strerror(-err));
	err = store_enforce_retention(d->store);
	if (err)
		log_warn("store: retention failed: %s", strerror(-err));
	d->last_flush = d->now_mono;
}

void daemon_flush(struct daemon *d, int64_t max_age_ns)
{
	if (clock_mono_ns() - d->last_flush >= max_age_ns)
		flush_store(d);
}

void daemon_periodic_work(struct daemon *d)
{
	daemon_drain(d);
	if (d->now_mono - d->last_counts >= d->cfg->count_interval_ns)
		collector_take_counts(d);
	if (d->now_mono - d->last_flush >= d->cfg->flush_interval_ns)
		flush_store(d);
	control_dispatch(d->control);
	metrics_dispatch(d->metrics);
}

int daemon_arm_metrics(struct daemon *d)
{
	int64_t ns = d->cfg->metrics_interval_ns;
	struct timespec ts = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
	struct itimerspec its = { .it_interval = ts, .it_value = ts };

	if (d->metrics_timer < 0)
		return 0;
	return timerfd_settime(d->metrics_timer, 0, &its, NULL) ? -errno : 0;
}

/* A snapshot per tick of a timer of its own: when the figures change follows no input. */
static void refresh_metrics(struct daemon *d)
{
	uint64_t ticks;
	int err;

	if (read(d->metrics_timer, &ticks, sizeof(ticks)) != sizeof(ticks))
		return;
	err = metrics_refresh(d->metrics);
	if (err)
		log_warn("metrics: keeping the last snapshot: %s", strerror(-err));
}

static int open_metrics(struct daemon *d)
{
	int ret;

	if (!d->cfg->metrics)
		return 0;
	ret = metrics_open(&d->metrics, d->cfg->metrics, counters_write_prometheus, d);
	if (ret) {
		log_err("--metrics %s: %s", d->cfg->metrics, strerror(-ret));
		return ret;
	}
	d->metrics_timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->metrics_timer < 0)
		return -errno;
	return daemon_arm_metrics(d);
}

static void clear_if_gone(void *ctx, const struct consent_user *u)
{
	struct daemon *d = ctx;

	if (!consent_get(d->consent, u->uid) && kernel_clear_consent(d->kernel, u->uid))
		log_err("uid %u: cannot clear consent in the kernel", u->uid);
}

/* As for a change by request: what an opt-out or pause stops is not written either. */
static void discard_if_off(void *ctx, const struct consent_user *u)
{
	struct daemon *d = ctx;
	int reason;

	if (daemon_user_level(d, u->uid, clock_mono_ns(), &reason) == EVTAP_LEVEL_OFF)
		store_discard(d->store, u->uid);
}

/* Users gone from the file are cleared first, so that the map has room for the others. */
static void reload_consent(struct daemon *d)
{
	char path[PATH_MAX], err[512];
	struct consent *fresh, *old = d->consent;

	snprintf(path, sizeof(path), "%s/consent.conf", d->cfg->data_dir);
	if (consent_load(&fresh, path, err, sizeof(err))) {
		log_err("reload: %s: keeping the consent in force", err);
		return;
	}
	d->consent = fresh;
	consent_foreach(old, clear_if_gone, d);
	consent_foreach(fresh, push_consent, d);
	consent_foreach(fresh, discard_if_off, d);
	consent_free(old);
	log_info("reloaded %s", path);
}

/* The configuration file, then the consent file; systemd hears of it (Type=notify). */
void daemon_reload(struct daemon *d)
{
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%lld", (long long)(clock_mono_ns() / 1000));
	daemon_reload_config(d);
	reload_consent(d);
	sd_notify(0, "READY=1");
}

/* Returns 1 when the daemon should stop. */
static int handle_signals(struct daemon *d, int sigfd)
{
	struct signalfd_siginfo si;
	int stop = 0;
	pid_t pid;

	while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			stop = 1;
		else if (si.ssi_signo == SIGHUP)
			daemon_reload(d);
	}
	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
		children_reaped(&d->children, pid);
	return stop;
}

static void run_loop(struct daemon *d)
{
	struct epoll_event evs[8];

	for (;;) {
		/* Read each time: SIGHUP may change it. */
		int n = epoll_wait(d->epfd, evs, 8, (int)(d->cfg->poll_interval_ns / 1000000));
		d->stats.wakeups++;
		for (int i = 0; i < n; i++) {
			switch (evs[i].data.u32) {
			case SRC_SIGNAL:
				if (handle_signals(d, d->sigfd))
					return;
				break;
			case SRC_DEVICES:
				devices_handle_uevents(d->devices);
				break;
			case SRC_SESSION:
				session_dispatch(d->session);
				break;
			case SRC_METRICS_TIMER:
				refresh_metrics(d);
				break;
			case SRC_RINGBUF: /* these: daemon_periodic_work */
			case SRC_CONTROL:
			case SRC_METRICS:
				break;
			}
		}
		daemon_periodic_work(d);
	}
}

void daemon_shutdown(struct daemon *d)
{
	sd_notify(0, "STOPPING=1");
	children_end(&d->children, CHILD_ALL_USERS);
	kernel_detach(d->kernel);
	daemon_drain(d);
	collector_take_counts(d);
	flush_store(d);
	log_info("stopped: %llu records persisted",
		 (unsigned long long)store_stats(d->store)->records_persisted);
}

/*
 * Fleet mode: the store is shared with the ship group, and users' keys are sealed to the
 * custodian's public key (docs/STORE.md, "Sharing with the shipper").
 */
static int fleet_share(struct daemon *d, struct store_share *sh)
{
	const struct daemon_config *cfg = d->cfg;
	const struct passwd *pw = getpwnam(cfg->fleet.ship_user);
	char err[384];

	sh->gid = d->ship_gid = d->user.ship_gid; /* looked up with the user, before the drop */
	if (!pw) {
		log_err("[fleet] ship-user: no user '%s'", cfg->fleet.ship_user);
		return -ENOENT;
	}
	d->ship_uid = pw->pw_uid;
	if (fleet_read_key(cfg->fleet.custodian_public_key, sh->custodian_pk, err, sizeof(err))) {
		log_err("[fleet] custodian-public-key: %s", err);
		return -EINVAL;
	}
	return 0;
}

static int open_state(struct daemon *d)
{
	char path[PATH_MAX], err[512];
	struct store_share share;
	struct store_opts sopts = {
		.retention_ns = d->cfg->retention_ns,
		.max_user_bytes = d->cfg->max_user_bytes,
		.max_total_bytes = d->cfg->max_total_bytes,
	};
	int ret;

	if (d->cfg->fleet_on) {
		ret = fleet_share(d, &share);
		if (ret)
			return ret;
		sopts.share = &share;
		d->ship_gid = share.gid;
	}
	ret = store_open(&d->store, d->cfg->data_dir, d->cfg->key_dir, &sopts);
	if (ret) {
		log_err("%s: cannot open the store: %s", d->cfg->data_dir, strerror(-ret));
		return ret;
	}
	snprintf(path, sizeof(path), "%s/consent.conf", d->cfg->data_dir);
	if (consent_load(&d->consent, path, err, sizeof(err))) {
		log_err("%s", err);
		return -EINVAL;
	}
	if (d->cfg->fleet_on) {
		fleet_policy_load(d);
		d->outbox_fd = outbox_open(d->cfg->data_dir, d->ship_gid);
		if (d->outbox_fd < 0) {
			log_err("%s/%s: %s", d->cfg->data_dir, OUTBOX_DIR, strerror(-d->outbox_fd));
			return d->outbox_fd;
		}
	}
	snprintf(path, sizeof(path), "%s/audit.log", d->cfg->data_dir);
	ret = audit_open(path);
	if (ret)
		log_err("%s: %s", path, strerror(-ret));
	return ret;
}

static int open_kernel(struct daemon *d)
{
	struct kernel_opts kopts = {
		.ringbuf_bytes = d->cfg->ringbuf_bytes,
		.buffer = d->cfg->buffer,
		.attach = d->cfg->attach,
		.verbose = d->cfg->verbose,
		.pin_dir = d->cfg->pin ? "/sys/fs/bpf/evtap" : NULL,
		.pin_uid = d->user.uid,
		.pin_gid = d->user.gid,
	};

	d->fleet.level = (__u8)d->cfg->level;
	d->fleet.default_consent = (__u8)d->cfg->default_consent;
	d->fleet.wakeup_bytes = buffer_wakeup_bytes(d->cfg->wakeup_bytes, d->cfg->ringbuf_bytes);
	d->fleet.time_granularity_ns = (__u64)d->cfg->time_granularity_ns;
	fleet_policy_local(d->cfg, &d->local_policy);
	kopts.fleet = d->fleet;
	return kernel_open(&d->kernel, &kopts);
}

/* Everything that decides what is captured goes into the maps before any attach. */
static int load_policy(struct daemon *d)
{
	struct devices_opts dopts = {
		.sysfs = "/sys",
		.udev_db = "/run/udev/data",
		.udev_control = "/run/udev/control",
		.listen_uevents = 1,
		.on_seat = on_device_seat,
		.ctx = d,
	};
	char err[512];
	int ret;

	daemon_seat_id(d, "seat0");
	/* The fleet's policy as last received: a restart while the broker is away keeps it. */
	daemon_apply_policy(d);
	consent_foreach(d->consent, push_consent, d);
	ret = session_open(&d->session, d->cfg->session_spec, on_session, d, err, sizeof(err));
	if (ret) {
		log_err("--session-source: %s", err);
		return ret;
	}
	ret = devices_open(&d->devices, &dopts);
	if (ret) {
		log_err("device events: %s", strerror(-ret));
		return ret;
	}
	devices_scan(d->devices);
	return 0;
}

/*
 * What the user needs before the drop, made or given by root: the store's directories and the
 * socket's; then the drop. Everything after it (the files in those directories, the requests,
 * the users' data) is handled by the evtap user.
 */
static int drop_privileges(struct daemon *d)
{
	const char *dirs[] = { d->cfg->data_dir, d->cfg->key_dir };
	int ret;

	for (int i = 0; i < 2; i++) {
		ret = make_dirs(dirs[i]);
		if (ret) {
			log_err("%s: cannot create it: %s", dirs[i], strerror(-ret));
			return ret;
		}
		ret = privdrop_own_tree(&d->user, dirs[i]);
		if (ret)
			return ret;
	}
	return d->cfg->keep_privileges ? 0 : privdrop_apply(&d->user);
}

/* Fleet mode: the evtap user keeps the ship group, to give the store's files to it. */
static int lookup_user(struct daemon *d)
{
	const struct group *g;
	int ret = privdrop_lookup(d->cfg->user, &d->user);

	if (ret || !d->cfg->fleet_on)
		return ret;
	g = getgrnam(d->cfg->fleet.ship_group);
	if (!g) {
		log_err("[fleet] ship-group: no group '%s'", d->cfg->fleet.ship_group);
		return -ENOENT;
	}
	d->user.ship_gid = g->gr_gid;
	return 0;
}

static int start(struct daemon *d)
{
	int *epfd = &d->epfd, *sigfd = &d->sigfd;
	int ret;

	ret = lookup_user(d);
	if (ret)
		return ret;
	ret = lock_instance(d);
	if (ret) {
		if (ret != DAEMON_ERUNNING)
			log_err("%s: cannot take the instance lock: %s", d->cfg->socket_path,
				strerror(-ret));
		return ret;
	}
	/* A kernel that cannot load or attach the programs is exit 2, whatever the errno. */
	if (open_kernel(d))
		return KERNEL_EUNSUPPORTED;
	/* Before the drop: the perf buffer opens perf events, which needs CAP_PERFMON. */
	ret = kernel_buffer(d->kernel, collector_on_event, d, d->cfg->wakeup_bytes, &d->ringbuf) ?:
	      drop_privileges(d) ?: open_state(d) ?: load_policy(d);
	if (ret)
		return ret;
	if (kernel_attach(d->kernel))
		return KERNEL_EUNSUPPORTED;
	ret = control_open(&d->control, d->cfg->socket_path, handlers_on_request, d);
	if (ret) {
		log_err("%s: cannot serve the control socket: %s", d->cfg->socket_path,
			strerror(-ret));
		return ret;
	}
	ret = open_metrics(d);
	if (ret)
		return ret;
	*sigfd = open_signals();
	*epfd = epoll_create1(EPOLL_CLOEXEC);
	if (*sigfd < 0 || *epfd < 0)
		return -errno;
	return add_to_loop(*epfd, *sigfd, EPOLLIN, SRC_SIGNAL) ?:
	       add_to_loop(*epfd, buffer_epoll_fd(d->ringbuf), EPOLLIN, SRC_RINGBUF) ?:
	       add_to_loop(*epfd, control_fd(d->control), EPOLLIN, SRC_CONTROL) ?:
	       add_to_loop(*epfd, metrics_fd(d->metrics), EPOLLIN, SRC_METRICS) ?:
	       add_to_loop(*epfd, d->metrics_timer, EPOLLIN, SRC_METRICS_TIMER) ?:
	       add_to_loop(*epfd, devices_fd(d->devices), EPOLLIN, SRC_DEVICES) ?:
	       add_to_loop(*epfd, session_fd(d->session), session_poll_events(d->session),
			   SRC_SESSION);
}

void daemon_stop(struct daemon *d)
{
	control_close(d->control);
	metrics_close(d->metrics);
	buffer_free(d->ringbuf);
	kernel_close(d->kernel);
	session_close(d->session);
	devices_close(d->devices);
	if (d->store)
		store_close(d->store);
	consent_free(d->consent);
	audit_close();
	prevs_free(&d->counts_prev);
	prevs_free(&d->display_prev);
	if (d->epfd >= 0)
		close(d->epfd);
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->lock_fd >= 0)
		close(d->lock_fd); /* not unlinked: another start may have it open already */
	if (d->metrics_timer >= 0)
		close(d->metrics_timer);
	if (d->outbox_fd >= 0)
		close(d->outbox_fd);
}

int daemon_start(struct daemon *d, const struct daemon_config *cfg)
{
	memset(d, 0, sizeof(*d));
	d->config = *cfg;
	d->cfg = &d->config;
	d->epfd = d->sigfd = d->lock_fd = d->metrics_timer = d->outbox_fd = -1;
	d->now_mono = clock_mono_ns();
	d->last_flush = d->last_counts = d->now_mono;
	/* No core dump and no ptrace by the user: its memory holds every user's key. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		return -errno;
	return start(d);
}

int daemon_run(const struct daemon_config *cfg)
{
	struct daemon d;
	int ret;

	ret = daemon_start(&d, cfg);
	if (!ret) {
		sd_notify(0, "READY=1");
		log_info("capturing: level %s, session source %s", evtap_level_name(d.fleet.level),
			 cfg->session_spec);
		run_loop(&d);
		daemon_shutdown(&d);
	}
	daemon_stop(&d);
	return ret == KERNEL_EUNSUPPORTED || ret == DAEMON_ERUNNING ? 2 : ret ? 1 : 0;
}
