// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sd-login reports seat and session changes; LockedHint changes come only as D-Bus
 * PropertiesChanged signals, so both the login monitor and the system bus are watched, through
 * one epoll fd that the daemon polls.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-login.h>
#include "evtap.h"
#include "log.h"
#include "session_logind.h"

struct logind_watch {
	int epfd;
	sd_login_monitor *monitor;
	sd_bus *bus;
	session_fn fn;
	void *ctx;
};

static int session_locked(struct logind_watch *w, const char *session)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	char *path = NULL;
	int locked = 0;

	if (!w->bus || sd_bus_path_encode("/org/freedesktop/login1/session", session, &path) < 0)
		return 1;
	if (sd_bus_get_property_trivial(w->bus, "org.freedesktop.login1", path,
					"org.freedesktop.login1.Session", "LockedHint", &error, 'b',
					&locked) < 0) {
		/* Unknown lock state: assume locked, as a password may be being typed. */
		log_warn("logind: LockedHint of session %s: %s", session, error.message);
		locked = 1;
	}
	sd_bus_error_free(&error);
	free(path);
	return locked;
}

static void report_seat(struct logind_watch *w, const char *seat)
{
	struct session_state st = { .uid = EVTAP_UID_NONE };
	char *session = NULL, *class = NULL;
	uid_t uid;

	snprintf(st.seat, sizeof(st.seat), "%s", seat);
	if (sd_seat_get_active(seat, &session, &uid) >= 0 &&
	    sd_session_get_class(session, &class) >= 0 && !strcmp(class, "user")) {
		st.uid = uid;
		st.locked = session_locked(w, session);
	}
	free(session);
	free(class);
	w->fn(w->ctx, &st);
}

static void report_all(struct logind_watch *w)
{
	char **seats = NULL;
	int n = sd_get_seats(&seats);

	for (int i = 0; i < n; i++) {
		report_seat(w, seats[i]);
		free(seats[i]);
	}
	free(seats);
}

static int add_fd(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* The system bus, with the match for the PropertiesChanged signals that carry LockedHint. */
static int connect_bus(struct logind_watch *w)
{
	int ret = sd_bus_open_system(&w->bus);

	if (ret >= 0)
		ret = sd_bus_match_signal(w->bus, NULL, "org.freedesktop.login1", NULL,
					  "org.freedesktop.DBus.Properties", "PropertiesChanged",
					  NULL, NULL);
	if (ret >= 0)
		ret = add_fd(w->epfd, sd_bus_get_fd(w->bus));
	if (ret < 0)
		w->bus = sd_bus_flush_close_unref(w->bus);
	return ret;
}

/* A bus that failed (dbus restarted) is dropped, so that its hung-up fd cannot spin the loop. */
static void drop_bus(struct logind_watch *w, int err)
{
	log_warn("logind: system bus: %s: every session counts as locked until it is back",
		 strerror(-err));
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, sd_bus_get_fd(w->bus), NULL);
	w->bus = sd_bus_flush_close_unref(w->bus);
}

int logind_watch_open(struct logind_watch **out, session_fn fn, void *ctx, char *err, size_t errlen)
{
	struct logind_watch *w = calloc(1, sizeof(*w));
	int ret;

	if (!w)
		return -ENOMEM;
	w->fn = fn;
	w->ctx = ctx;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	ret = w->epfd < 0 ? -errno : sd_login_monitor_new(NULL, &w->monitor);
	if (ret >= 0)
		ret = add_fd(w->epfd, sd_login_monitor_get_fd(w->monitor));
	if (ret >= 0)
		ret = connect_bus(w);
	if (ret < 0) {
		snprintf(err, errlen, "logind: %s", strerror(-ret));
		logind_watch_close(w);
		return -EINVAL;
	}
	report_all(w);
	*out = w;
	return 0;
}

void logind_watch_close(struct logind_watch *w)
{
	if (!w)
		return;
	sd_login_monitor_unref(w->monitor);
	sd_bus_flush_close_unref(w->bus);
	if (w->epfd >= 0)
		close(w->epfd);
	free(w);
}

int logind_watch_fd(const struct logind_watch *w)
{
	return w->epfd;
}

void logind_watch_dispatch(struct logind_watch *w)
{
	int ret = 0;

	sd_login_monitor_flush(w->monitor);
	while (w->bus && (ret = sd_bus_process(w->bus, NULL)) > 0)
		;
	if (ret < 0)
		drop_bus(w, ret);
	/* Reconnect on the next change logind reports; until then, nothing is captured. */
	if (!w->bus && connect_bus(w) >= 0)
		log_info("logind: system bus back");
	report_all(w);
}
