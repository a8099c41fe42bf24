// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtapd's lifecycle: load the programs, load consent and seats into their maps, and only then
 * attach; run the event loop; on SIGTERM detach, drain, flush and exit.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include "audit.h"
#include "clock.h"
#include "counters.h"
#include "daemon.h"
#include "evtap_policy.h"
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
	SRC_METRICS
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
	return d->nseats++;
}

int daemon_user_level(const struct daemon *d, uint32_t uid, int64_t now_mono, int *reason)
{
	const struct consent_user *u = consent_get(d->consent, uid);
	struct evtap_consent k;

	if (u)
		consent_to_kernel(u, &k);
	return evtap_user_level(&d->fleet, u ? &k : NULL, (uint64_t)now_mono, reason);
}

static void push_consent(void *ctx, const struct consent_user *u)
{
	struct daemon *d = ctx;
	struct evtap_consent k;

	consent_to_kernel(u, &k);
	if (kernel_set_consent(d->kernel, u->uid, &k))
		log_err("uid %u: cannot load consent into the kernel", u->uid);
}

int daemon_set_consent(struct daemon *d, const struct consent_user *u)
{
	int reason, err;

	err = consent_set(d->consent, u);
	if (err)
		return err;
	push_consent(d, u);
	if (daemon_user_level(d, u->uid, clock_mono_ns(), &reason) == EVTAP_LEVEL_OFF)
		store_discard(d->store, u->uid);
	err = consent_save(d->consent);
	if (!err && d->outbox_fd >= 0 && !u->from_fleet)
		err = outbox_consent(d->outbox_fd, d->ship_gid, u);
	return err;
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

static void on_device_seat(void *ctx, uint32_t index, const char *seat)
{
	struct daemon *d = ctx;
	int id = daemon_seat_id(d, seat);

	if (id < 0 || kernel_set_device_seat(d->kernel, index, (__u32)id))
		log_warn("input%u: cannot route to seat %s", index, seat);
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

static int make_socket_dir(const char *socket_path)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", socket_path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	/* 0755: every user must reach the socket; the socket itself checks each caller. */
	return mkdir(dir, 0755) && errno != EEXIST ? -errno : 0;
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

static void reload_consent(struct daemon *d)
{
	char path[PATH_MAX], err[512];
	struct consent *fresh;

	snprintf(path, sizeof(path), "%s/consent.conf", d->cfg->data_dir);
	if (consent_load(&fresh, path, err, sizeof(err))) {
		log_err("reload: %s: keeping the consent in force", err);
		return;
	}
	consent_free(d->consent);
	d->consent = fresh;
	consent_foreach(d->consent, push_consent, d);
	log_info("reloaded %s", path);
}

/* The configuration file, then the consent file; systemd hears of it (Type=notify). */
static void reload(struct daemon *d)
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

	while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			stop = 1;
		else if (si.ssi_signo == SIGHUP)
			reload(d);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
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
static int fleet_share(const struct daemon_config *cfg, struct store_share *sh, uid_t *ship_uid)
{
	const struct group *g = getgrnam(cfg->fleet.ship_group);
	const struct passwd *pw = getpwnam(cfg->fleet.ship_user);
	char err[384];

	if (!g) {
		log_err("[fleet] ship-group: no group '%s'", cfg->fleet.ship_group);
		return -ENOENT;
	}
	sh->gid = g->gr_gid;
	if (!pw) {
		log_err("[fleet] ship-user: no user '%s'", cfg->fleet.ship_user);
		return -ENOENT;
	}
	*ship_uid = pw->pw_uid;
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
		ret = fleet_share(d->cfg, &share, &d->ship_uid);
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
	};

	d->fleet.level = (__u8)d->cfg->level;
	d->fleet.default_consent = (__u8)d->cfg->default_consent;
	d->fleet.wakeup_bytes = buffer_wakeup_bytes(d->cfg->wakeup_bytes, d->cfg->ringbuf_bytes);
	d->fleet.time_granularity_ns = (__u64)d->cfg->time_granularity_ns;
	kopts.fleet = d->fleet;
	return kernel_open(&d->kernel, &kopts);
}

/* Everything that decides what is captured goes into the maps before any attach. */
static int load_policy(struct daemon *d)
{
	struct devices_opts dopts = {
		.sysfs = "/sys",
		.udev_db = "/run/udev/data",
		.listen_uevents = 1,
		.on_seat = on_device_seat,
		.ctx = d,
	};
	char err[512];
	int ret;

	daemon_seat_id(d, "seat0");
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

static int start(struct daemon *d)
{
	int *epfd = &d->epfd, *sigfd = &d->sigfd;
	int ret;

	/* A kernel that cannot load or attach the programs is exit 2, whatever the errno. */
	if (open_kernel(d))
		return KERNEL_EUNSUPPORTED;
	ret = open_state(d);
	if (!ret)
		ret = load_policy(d);
	if (!ret)
		ret = kernel_buffer(d->kernel, collector_on_event, d, d->cfg->wakeup_bytes,
				    &d->ringbuf);
	if (ret)
		return ret;
	if (kernel_attach(d->kernel))
		return KERNEL_EUNSUPPORTED;
	ret = make_socket_dir(d->cfg->socket_path);
	if (!ret)
		ret = control_open(&d->control, d->cfg->socket_path, handlers_on_request, d);
	if (ret) {
		log_err("%s: cannot serve the control socket: %s", d->cfg->socket_path,
			strerror(-ret));
		return ret;
	}
	if (d->cfg->metrics &&
	    (ret = metrics_open(&d->metrics, d->cfg->metrics, counters_write_prometheus, d))) {
		log_err("--metrics %s: %s", d->cfg->metrics, strerror(-ret));
		return ret;
	}
	*sigfd = open_signals();
	*epfd = epoll_create1(EPOLL_CLOEXEC);
	if (*sigfd < 0 || *epfd < 0)
		return -errno;
	return add_to_loop(*epfd, *sigfd, EPOLLIN, SRC_SIGNAL) ?:
	       add_to_loop(*epfd, buffer_epoll_fd(d->ringbuf), EPOLLIN, SRC_RINGBUF) ?:
	       add_to_loop(*epfd, control_fd(d->control), EPOLLIN, SRC_CONTROL) ?:
	       add_to_loop(*epfd, metrics_fd(d->metrics), EPOLLIN, SRC_METRICS) ?:
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
	if (d->outbox_fd >= 0)
		close(d->outbox_fd);
}

int daemon_start(struct daemon *d, const struct daemon_config *cfg)
{
	memset(d, 0, sizeof(*d));
	d->config = *cfg;
	d->cfg = &d->config;
	d->epfd = d->sigfd = d->outbox_fd = -1;
	d->now_mono = clock_mono_ns();
	d->last_flush = d->last_counts = d->now_mono;
	return start(d);
}

int daemon_run(const struct daemon_config *cfg)
{
	struct daemon d;
	int ret;

	ret = daemon_start(&d, cfg);
	if (!ret)
		ret = privdrop_apply();
	if (!ret) {
		sd_notify(0, "READY=1");
		log_info("capturing: level %s, session source %s", evtap_level_name(cfg->level),
			 cfg->session_spec);
		run_loop(&d);
		daemon_shutdown(&d);
	}
	daemon_stop(&d);
	return ret == KERNEL_EUNSUPPORTED ? 2 : ret ? 1 : 0;
}
