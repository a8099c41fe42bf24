// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "clock.h"
#include "control.h"
#include "log.h"

#define CONTROL_MAX_CLIENTS 64
/* So that one user holding idle connections cannot keep another from opting out; not root. */
#define CONTROL_MAX_PER_UID	8
#define CONTROL_DEADLINE_NS	(2 * 1000000000LL)
#define CONTROL_ACCEPT_PAUSE_NS (100 * 1000000LL)

struct control_client {
	int fd;
	struct ucred cred;
	int64_t deadline;
	size_t len;
	char buf[REQUEST_MAX_BYTES + 1];
};

struct control {
	int listen_fd;
	int epfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	control_fn fn;
	void *ctx;
	struct control_client *clients[CONTROL_MAX_CLIENTS];
	uint64_t refused;  /* connections refused: no slot, or too many of that user's */
	uint64_t no_fd;	   /* accepts that failed for want of a descriptor */
	int64_t resume_at; /* accepting again then, after running out of descriptors */
};

static void drop_client(struct control *ctl, struct control_client *c)
{
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (ctl->clients[i] == c)
			ctl->clients[i] = NULL;
	if (c->fd >= 0) {
		epoll_ctl(ctl->epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	free(c);
}

void control_reply(struct control *ctl, struct control_client *c, const char *line)
{
	/* Replies are short and the socket buffer is empty: one non-blocking send suffices. */
	size_t len = strlen(line);
	char *msg = malloc(len + 1);

	if (msg) {
		memcpy(msg, line, len);
		msg[len] = '\n';
		if (send(c->fd, msg, len + 1, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)(len + 1))
			log_debug("control: client %d: reply not delivered", c->cred.pid);
		free(msg);
	}
	drop_client(ctl, c);
}

int control_take_fd(struct control *ctl, struct control_client *c)
{
	int fd = c->fd;

	epoll_ctl(ctl->epfd, EPOLL_CTL_DEL, fd, NULL);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	c->fd = -1;
	drop_client(ctl, c);
	return fd;
}

static int connections_of(const struct control *ctl, uid_t uid)
{
	int n = 0;

	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		n += ctl->clients[i] && ctl->clients[i]->cred.uid == uid;
	return n;
}

static void refuse_connection(struct control *ctl, struct control_client *c, const char *why)
{
	char line[160];

	snprintf(line, sizeof(line), "{\"ok\":false,\"error\":\"%s\"}", why);
	ctl->refused++;
	control_reply(ctl, c, line);
}

/*
 * Out of descriptors, the pending connection stays in the backlog and the listening socket
 * stays readable: the loop would spin. It is left out of the epoll set for a moment instead.
 */
static void pause_accepting(struct control *ctl)
{
	ctl->no_fd++;
	if (ctl->resume_at)
		return;
	log_warn("control: out of file descriptors: not accepting for %d ms",
		 (int)(CONTROL_ACCEPT_PAUSE_NS / 1000000));
	epoll_ctl(ctl->epfd, EPOLL_CTL_DEL, ctl->listen_fd, NULL);
	ctl->resume_at = clock_mono_ns() + CONTROL_ACCEPT_PAUSE_NS;
}

static void resume_accepting(struct control *ctl)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	if (!ctl->resume_at || clock_mono_ns() < ctl->resume_at)
		return;
	ctl->resume_at = 0;
	if (epoll_ctl(ctl->epfd, EPOLL_CTL_ADD, ctl->listen_fd, &ev))
		log_err("control: cannot listen again: %s", strerror(errno));
}

static void accept_client(struct control *ctl)
{
	struct epoll_event ev = { .events = EPOLLIN };
	socklen_t len = sizeof(struct ucred);
	struct control_client *c;
	int fd, slot;

	fd = accept4(ctl->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0 && (errno == EMFILE || errno == ENFILE))
		pause_accepting(ctl);
	if (fd < 0)
		return;
	for (slot = 0; slot < CONTROL_MAX_CLIENTS && ctl->clients[slot]; slot++)
		;
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->deadline = clock_mono_ns() + CONTROL_DEADLINE_NS;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &len)) {
		drop_client(ctl, c);
	} else if (slot == CONTROL_MAX_CLIENTS) {
		refuse_connection(ctl, c, "too many connections");
	} else if (c->cred.uid && connections_of(ctl, c->cred.uid) >= CONTROL_MAX_PER_UID) {
		refuse_connection(ctl, c, "too many connections from this user");
	} else {
		ctl->clients[slot] = c;
		ev.data.ptr = c;
		if (epoll_ctl(ctl->epfd, EPOLL_CTL_ADD, fd, &ev))
			drop_client(ctl, c);
	}
}

static void handle_line(struct control *ctl, struct control_client *c, size_t line_len)
{
	char err[256] = "";
	struct request req;

	while (line_len && (c->buf[line_len - 1] == '\r' || c->buf[line_len - 1] == ' '))
		line_len--;
	if (request_parse(c->buf, line_len, &req, err, sizeof(err)))
		ctl->fn(ctl->ctx, c, &c->cred, NULL, err);
	else
		ctl->fn(ctl->ctx, c, &c->cred, &req, NULL);
}

static void read_client(struct control *ctl, struct control_client *c)
{
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
	char *nl;

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			drop_client(ctl, c);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	nl = memchr(c->buf, '\n', c->len);
	if (nl)
		handle_line(ctl, c, (size_t)(nl - c->buf));
	else if (c->len == sizeof(c->buf) - 1)
		ctl->fn(ctl->ctx, c, &c->cred, NULL, "request too long: at most 4096 bytes");
}

static void expire_clients(struct control *ctl)
{
	int64_t now = clock_mono_ns();

	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (ctl->clients[i] && ctl->clients[i]->deadline < now)
			control_reply(
				ctl, ctl->clients[i],
				"{\"ok\":false,\"error\":\"timed out waiting for a request\"}");
}

void control_dispatch(struct control *ctl)
{
	struct epoll_event evs[16];
	int n = epoll_wait(ctl->epfd, evs, 16, 0);

	for (int i = 0; i < n; i++) {
		if (evs[i].data.ptr == NULL)
			accept_client(ctl);
		else
			read_client(ctl, evs[i].data.ptr);
	}
	expire_clients(ctl);
	resume_accepting(ctl);
}

static int bind_socket(struct control *ctl, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	mode_t mask;
	int ret;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	strcpy(ctl->path, path);
	ctl->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->listen_fd < 0)
		return -errno;
	unlink(path);
	/* The mode is set as bind creates the socket: no chmod by path, which follows symlinks. */
	mask = umask(0111);
	ret = bind(ctl->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) ? -errno : 0;
	umask(mask);
	if (!ret && listen(ctl->listen_fd, 16))
		ret = -errno;
	return ret;
}

int control_open(struct control **out, const char *path, control_fn fn, void *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	struct control *ctl = calloc(1, sizeof(*ctl));
	int ret;

	if (!ctl)
		return -ENOMEM;
	ctl->fn = fn;
	ctl->ctx = ctx;
	ctl->listen_fd = -1;
	ctl->epfd = epoll_create1(EPOLL_CLOEXEC);
	ret = ctl->epfd < 0 ? -errno : bind_socket(ctl, path);
	if (!ret && epoll_ctl(ctl->epfd, EPOLL_CTL_ADD, ctl->listen_fd, &ev))
		ret = -errno;
	if (ret) {
		control_close(ctl);
		return ret;
	}
	*out = ctl;
	return 0;
}

void control_close(struct control *ctl)
{
	if (!ctl)
		return;
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (ctl->clients[i])
			drop_client(ctl, ctl->clients[i]);
	if (ctl->listen_fd >= 0) {
		close(ctl->listen_fd);
		unlink(ctl->path);
	}
	if (ctl->epfd >= 0)
		close(ctl->epfd);
	free(ctl);
}

uint64_t control_refused(const struct control *ctl)
{
	return ctl->refused;
}

uint64_t control_no_fd(const struct control *ctl)
{
	return ctl->no_fd;
}

int control_fd(const struct control *ctl)
{
	return ctl->epfd;
}
