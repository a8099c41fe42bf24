// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The metrics server: answers over Unix and TCP sockets with the last snapshot, listens on
 * loopback only, and never blocks on a slow client.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "check.h"
#include "metrics.h"

static size_t body_bytes = 64;
static unsigned long long live; /* what a live counter would read now */

static void write_body(void *ctx, FILE *out)
{
	fprintf(out, "# HELP evtap_test_total A test.\n# TYPE evtap_test_total counter\n");
	for (size_t n = 0; n < body_bytes; n += 20)
		fprintf(out, "evtap_test_total 1\n");
	fprintf(out, "evtap_live_total %llu\n", live);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	return connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -1 : fd;
}

static int connect_tcp(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	return connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -1 : fd;
}

/* Sends req on fd and dispatches until the response is complete; the slowest dispatch. */
static double request(struct metrics *m, int fd, const char *req, char *resp, size_t len)
{
	size_t got = 0;
	double slowest = 0;
	ssize_t n;

	CHECK(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (int i = 0; i < 2000; i++) {
		double t = now_ms();
		metrics_dispatch(m);
		if (now_ms() - t > slowest)
			slowest = now_ms() - t;
		while (got < len - 1 && (n = read(fd, resp + got, len - 1 - got)) > 0)
			got += (size_t)n;
		if (n == 0)
			break;
		usleep(1000);
	}
	resp[got] = '\0';
	close(fd);
	return slowest;
}

static double scrape(struct metrics *m, int fd, char *resp, size_t len)
{
	return request(m, fd, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", resp,
		       len);
}

static void test_unix(void)
{
	char path[64], spec[80], resp[8192];
	struct metrics *m;
	struct stat st;
	int slow, fd;

	snprintf(path, sizeof(path), "/tmp/evtap-metrics-%d.sock", getpid());
	snprintf(spec, sizeof(spec), "unix:%s", path);
	CHECK_EQ(metrics_open(&m, spec, write_body, NULL), 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	slow = connect_unix(path); /* connects and never sends anything */
	fd = connect_unix(path);
	CHECK(slow >= 0 && fd >= 0);
	CHECK(scrape(m, fd, resp, sizeof(resp)) < 50, "a dispatch blocked");
	CHECK(!strncmp(resp, "HTTP/1.1 200 OK\r\n", 17), "%s", resp);
	CHECK(strstr(resp, "text/plain; version=0.0.4"));
	CHECK(strstr(resp, "\r\n\r\n# HELP evtap_test_total A test.\n"));
	close(slow);
	metrics_close(m);
	CHECK(access(path, F_OK) != 0, "the socket stays after close");
}

/* A client that asks for a large response and never reads it does not stall anyone. */
static void test_tcp_slow_reader(void)
{
	int port = 20000 + getpid() % 20000, stuck, fd;
	char spec[64], resp[8192];
	struct metrics *m;
	double t;

	snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
	CHECK_EQ(metrics_open(&m, spec, write_body, NULL), 0);
	body_bytes = 8 << 20;
	stuck = connect_tcp(port);
	CHECK(stuck >= 0);
	CHECK(write(stuck, "GET / HTTP/1.0\r\n\r\n", 18) == 18);
	t = now_ms();
	for (int i = 0; i < 20; i++)
		metrics_dispatch(m);
	CHECK(now_ms() - t < 2000, "dispatch stalled on a client that does not read");
	body_bytes = 64;
	fd = connect_tcp(port);
	scrape(m, fd, resp, sizeof(resp));
	CHECK(strstr(resp, "200 OK") && strstr(resp, "evtap_test_total 1\n"), "%s", resp);
	close(stuck);
	metrics_close(m);
}

/* Requests between two refreshes get the same figures, however the live ones moved. */
static void test_snapshot_between_refreshes(void)
{
	int port = 20000 + (getpid() + 1) % 20000;
	char spec[64], first[8192], second[8192];
	struct metrics *m;

	snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
	live = 1;
	CHECK_EQ(metrics_open(&m, spec, write_body, NULL), 0);
	scrape(m, connect_tcp(port), first, sizeof(first));
	live = 2; /* a key press */
	scrape(m, connect_tcp(port), second, sizeof(second));
	CHECK(strstr(first, "evtap_live_total 1\n"), "%s", first);
	CHECK(!strcmp(first, second), "a request read the live figures: %s", second);
	CHECK_EQ(metrics_refresh(m), 0);
	scrape(m, connect_tcp(port), second, sizeof(second));
	CHECK(strstr(second, "evtap_live_total 2\n"), "%s", second);
	metrics_close(m);
}

static void test_other_methods_refused(void)
{
	int port = 20000 + (getpid() + 2) % 20000;
	char spec[64], resp[8192];
	struct metrics *m;

	snprintf(spec, sizeof(spec), "[::1]:%d", port);
	CHECK_EQ(metrics_open(&m, spec, write_body, NULL), 0);
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
				   .sin6_port = htons((uint16_t)port),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(AF_INET6, SOCK_STREAM, 0);

	CHECK(!connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	request(m, fd, "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n", resp, sizeof(resp));
	CHECK(!strncmp(resp, "HTTP/1.1 405 ", 13), "%s", resp);
	CHECK(!strstr(resp, "evtap_test_total"), "%s", resp);
	metrics_close(m);
}

/* Off loopback, any host on the network could read the counters. */
static void test_loopback_only(void)
{
	static const char *const bad[] = { "10.0.0.1:80",     "0.0.0.0:9464",	  "[::]:9464",
					   "[::2]:1",	      "192.168.1.1:9464", "127.0.0.1:0",
					   "127.0.0.1:70000", "127.0.0.1",	  "unix:relative",
					   "localhost:9464" };
	struct metrics *m;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(metrics_check_spec(bad[i]), -EINVAL);
	CHECK_EQ(metrics_check_spec("127.0.0.1:9464"), 0);
	CHECK_EQ(metrics_check_spec("127.1.2.3:9464"), 0);
	CHECK_EQ(metrics_check_spec("[::1]:9464"), 0);
	CHECK_EQ(metrics_check_spec("unix:/run/evtap/metrics.sock"), 0);
	CHECK_EQ(metrics_open(&m, "0.0.0.0:9464", write_body, NULL), -EINVAL);
}

int main(void)
{
	RUN(test_unix);
	RUN(test_tcp_slow_reader);
	RUN(test_snapshot_between_refreshes);
	RUN(test_other_methods_refused);
	RUN(test_loopback_only);
	CHECK_EXIT();
}
