// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The HTTP side is libmicrohttpd's, in its external epoll mode: the daemon's loop polls its
 * epoll fd and calls MHD_run, which never blocks. The listening socket is made here, so that
 * a Unix socket and the loopback check are ours; the library owns it from then on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <microhttpd.h>
#include "metrics.h"

#define MAX_CLIENTS	 16
#define CLIENT_TIMEOUT_S 5
#define CONTENT_TYPE	 "text/plain; version=0.0.4; charset=utf-8"

struct metrics {
	struct MHD_Daemon *mhd;
	char *unix_path;
	metrics_write_fn write;
	void *ctx;
	char *body; /* the snapshot */
	size_t body_len;
};

union inet_addr {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

/* "127.0.0.1:PORT" or "[::1]:PORT" into *addr; its size, or -EINVAL. */
static int parse_inet(const char *spec, union inet_addr *addr)
{
	const char *colon = strrchr(spec, ':');
	int v6 = spec[0] == '[';
	char host[64], *end;
	long port;

	if (!colon || colon - spec - 2 * v6 <= 0 || colon - spec >= (long)sizeof(host) ||
	    (v6 && colon[-1] != ']'))
		return -EINVAL;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port <= 0 || port > 65535)
		return -EINVAL;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - spec - 2 * v6), spec + v6);
	memset(addr, 0, sizeof(*addr));
	if (v6) {
		addr->v6.sin6_family = AF_INET6;
		addr->v6.sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &addr->v6.sin6_addr) != 1 ||
		    !IN6_IS_ADDR_LOOPBACK(&addr->v6.sin6_addr))
			return -EINVAL;
		return sizeof(addr->v6);
	}
	addr->v4.sin_family = AF_INET;
	addr->v4.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &addr->v4.sin_addr) != 1 ||
	    ntohl(addr->v4.sin_addr.s_addr) >> 24 != IN_LOOPBACKNET)
		return -EINVAL;
	return sizeof(addr->v4);
}

int metrics_check_spec(const char *spec)
{
	union inet_addr addr;

	if (!strncmp(spec, "unix:/", 6))
		return 0;
	return parse_inet(spec, &addr) < 0 ? -EINVAL : 0;
}

static int listen_unix(struct metrics *m, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	m->unix_path = strdup(path);
	if (!m->unix_path)
		return -ENOMEM;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	/* Before listen: no one connects while the mode is still the umask's. */
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0600) ? -errno : 0;
	if (!err)
		err = listen(fd, MAX_CLIENTS) ? -errno : 0;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

static int listen_inet(const char *spec)
{
	union inet_addr addr;
	int len = parse_inet(spec, &addr), fd, err, one = 1;

	if (len < 0)
		return len;
	fd = socket(addr.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	err = bind(fd, &addr.sa, (socklen_t)len) || listen(fd, MAX_CLIENTS) ? -errno : 0;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	struct metrics *m = cls;
	int get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(get ? m->body_len : 0, get ? m->body : "",
					       MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	if (!get)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, get ? MHD_HTTP_OK : MHD_HTTP_METHOD_NOT_ALLOWED, resp);
	MHD_destroy_response(resp);
	return ret;
}

static int start_mhd(struct metrics *m, int listen_fd)
{
	m->mhd = MHD_start_daemon(MHD_USE_EPOLL, 0, NULL, NULL, answer, m, MHD_OPTION_LISTEN_SOCKET,
				  listen_fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CLIENTS,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CLIENT_TIMEOUT_S,
				  MHD_OPTION_END);
	if (!m->mhd) {
		close(listen_fd);
		return -EIO;
	}
	return 0;
}

int metrics_open(struct metrics **out, const char *spec, metrics_write_fn fn, void *ctx)
{
	struct metrics *m = calloc(1, sizeof(*m));
	int fd, err;

	if (!m)
		return -ENOMEM;
	m->write = fn;
	m->ctx = ctx;
	fd = !strncmp(spec, "unix:", 5) ? listen_unix(m, spec + 5) : listen_inet(spec);
	err = fd < 0 ? fd : start_mhd(m, fd);
	if (!err)
		err = metrics_refresh(m);
	if (err) {
		metrics_close(m);
		return err;
	}
	*out = m;
	return 0;
}

int metrics_refresh(struct metrics *m)
{
	char *body = NULL;
	size_t len = 0;
	FILE *f;

	if (!m)
		return 0;
	f = open_memstream(&body, &len);
	if (!f)
		return -errno;
	m->write(m->ctx, f);
	if (fclose(f)) {
		free(body);
		return -ENOMEM;
	}
	free(m->body);
	m->body = body;
	m->body_len = len;
	return 0;
}

int metrics_fd(const struct metrics *m)
{
	const union MHD_DaemonInfo *info;

	if (!m)
		return -1;
	info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	return info ? info->epoll_fd : -1;
}

void metrics_dispatch(struct metrics *m)
{
	if (m)
		MHD_run(m->mhd);
}

void metrics_close(struct metrics *m)
{
	if (!m)
		return;
	if (m->mhd)
		MHD_stop_daemon(m->mhd);
	if (m->unix_path)
		unlink(m->unix_path);
	free(m->unix_path);
	free(m->body);
	free(m);
}
