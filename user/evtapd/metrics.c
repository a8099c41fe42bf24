// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A minimal HTTP/1.0 server for one document, non-blocking throughout: its own epoll set, which
 * the daemon's loop watches as one fd. A client reads the request head (or half-closes), gets
 * the whole response from a buffer built at once, and is closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "metrics.h"

#define MAX_CLIENTS	   16
#define REQUEST_MAX	   4096
#define CLIENT_DEADLINE_NS (5 * 1000000000LL)

struct client {
	int fd; /* -1: free */
	int writing;
	int64_t deadline;
	size_t in_len;
	char in[REQUEST_MAX];
	char *out;
	size_t out_len, out_off;
};

struct metrics {
	int listen_fd, epfd;
	char *unix_path;
	metrics_write_fn write;
	void *ctx;
	struct client clients[MAX_CLIENTS];
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int listen_unix(struct metrics *m, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0600) || listen(fd, 16)) {
		int err = -errno;
		close(fd);
		return err;
	}
	m->unix_path = strdup(path);
	m->listen_fd = fd;
	return m->unix_path ? 0 : -ENOMEM;
}

static int listen_inet(struct metrics *m, const char *spec)
{
	const char *colon = strrchr(spec, ':');
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in sa4 = { .sin_family = AF_INET };
	int v6 = spec[0] == '[', fd, one = 1, port;
	char host[64];

	if (!colon || colon - spec >= (long)sizeof(host))
		return -EINVAL;
	port = atoi(colon + 1);
	snprintf(host, sizeof(host), "%.*s", (int)(colon - spec - 2 * v6), spec + v6);
	if (port <= 0 || port > 65535 ||
	    inet_pton(v6 ? AF_INET6 : AF_INET, host,
		      v6 ? (void *)&sa6.sin6_addr : (void *)&sa4.sin_addr) != 1)
		return -EINVAL;
	sa6.sin6_port = sa4.sin_port = htons((uint16_t)port);
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, v6 ? (struct sockaddr *)&sa6 : (struct sockaddr *)&sa4,
		 v6 ? sizeof(sa6) : sizeof(sa4)) ||
	    listen(fd, 16)) {
		int err = -errno;
		close(fd);
		return err;
	}
	m->listen_fd = fd;
	return 0;
}

int metrics_open(struct metrics **out, const char *spec, metrics_write_fn fn, void *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 0 };
	struct metrics *m = calloc(1, sizeof(*m));
	int err;

	if (!m)
		return -ENOMEM;
	m->listen_fd = -1;
	m->write = fn;
	m->ctx = ctx;
	for (int i = 0; i < MAX_CLIENTS; i++)
		m->clients[i].fd = -1;
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (m->epfd < 0)
		err = -errno;
	else if (!strncmp(spec, "unix:", 5))
		err = listen_unix(m, spec + 5);
	else
		err = listen_inet(m, spec);
	if (!err && epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->listen_fd, &ev))
		err = -errno;
	if (err) {
		metrics_close(m);
		return err;
	}
	*out = m;
	return 0;
}

int metrics_fd(const struct metrics *m)
{
	return m ? m->epfd : -1;
}

static void drop(struct metrics *m, struct client *c)
{
	epoll_ctl(m->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->out);
	c->out = NULL;
	c->fd = -1;
}

static void accept_clients(struct metrics *m)
{
	int fd;

	while ((fd = accept4(m->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct client *c = NULL;
		for (int i = 0; i < MAX_CLIENTS && !c; i++)
			if (m->clients[i].fd < 0)
				c = &m->clients[i];
		struct epoll_event ev = { .events = EPOLLIN,
					  .data.u32 = (uint32_t)(c - m->clients) + 1 };
		if (!c || epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd); /* busy: the scraper retries */
			continue;
		}
		c->fd = fd;
		c->writing = 0;
		c->in_len = 0;
		c->deadline = now_ns() + CLIENT_DEADLINE_NS;
	}
}

static void respond(struct metrics *m, struct client *c)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = (uint32_t)(c - m->clients) + 1 };
	int get = c->in_len == 0 || !strncmp(c->in, "GET ", 4);
	char *body = NULL;
	size_t body_len = 0;
	FILE *f = open_memstream(&body, &body_len);

	if (!f) {
		drop(m, c);
		return;
	}
	if (get)
		m->write(m->ctx, f);
	fclose(f);
	if (asprintf(&c->out,
		     "HTTP/1.0 %s\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		     get ? "200 OK" : "405 Method Not Allowed", get ? body_len : 0,
		     get ? body : "") < 0) {
		c->out = NULL;
		free(body);
		drop(m, c);
		return;
	}
	free(body);
	c->out_len = strlen(c->out);
	c->out_off = 0;
	c->writing = 1;
	epoll_ctl(m->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void on_readable(struct metrics *m, struct client *c)
{
	ssize_t n;

	while (c->in_len < REQUEST_MAX - 1 &&
	       (n = read(c->fd, c->in + c->in_len, REQUEST_MAX - 1 - c->in_len)) > 0) {
		c->in_len += (size_t)n;
		c->in[c->in_len] = '\0';
		if (strstr(c->in, "\r\n\r\n") || strstr(c->in, "\n\n"))
			break;
	}
	c->in[c->in_len] = '\0';
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && c->in_len < REQUEST_MAX - 1 &&
	    !strstr(c->in, "\n\n") && !strstr(c->in, "\r\n\r\n"))
		return; /* more to come */
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
		drop(m, c);
		return;
	}
	respond(m, c);
}

static void on_writable(struct metrics *m, struct client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				drop(m, c);
			return;
		}
		c->out_off += (size_t)n;
	}
	shutdown(c->fd, SHUT_WR);
	drop(m, c);
}

void metrics_dispatch(struct metrics *m)
{
	struct epoll_event evs[MAX_CLIENTS + 1];
	int64_t now;
	int n;

	if (!m)
		return;
	n = epoll_wait(m->epfd, evs, MAX_CLIENTS + 1, 0);
	for (int i = 0; i < n; i++) {
		struct client *c;
		if (evs[i].data.u32 == 0) {
			accept_clients(m);
			continue;
		}
		c = &m->clients[evs[i].data.u32 - 1];
		if (c->fd < 0)
			continue;
		if (c->writing)
			on_writable(m, c);
		else
			on_readable(m, c);
	}
	now = now_ns();
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (m->clients[i].fd >= 0 && now > m->clients[i].deadline)
			drop(m, &m->clients[i]);
}

void metrics_close(struct metrics *m)
{
	if (!m)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (m->clients[i].fd >= 0)
			drop(m, &m->clients[i]);
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	if (m->epfd >= 0)
		close(m->epfd);
	if (m->unix_path)
		unlink(m->unix_path);
	free(m->unix_path);
	free(m);
}
