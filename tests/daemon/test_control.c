// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The control socket server: a malformed, oversized or slow request gets a clear error and
 * never holds up other clients.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "check.h"
#include "clock.h"
#include "control.h"

static struct control *ctl;
static char sock_path[64];

static void on_request(void *ctx, struct control_client *client, const struct ucred *cred,
		       const struct request *req, const char *err)
{
	char line[512];

	if (req)
		snprintf(line, sizeof(line), "{\"ok\":true,\"op\":\"%s\",\"uid\":%u}",
			 request_op_name(req->op), cred->uid);
	else
		snprintf(line, sizeof(line), "{\"ok\":false,\"error\":\"%s\"}", err);
	control_reply(ctl, client, line);
}

static int connect_client(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(addr.sun_path, sock_path);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Serves until fd has an answer (or 5 s pass), then reads it. */
static int await_reply(int fd, char *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int64_t deadline = clock_mono_ns() + 5000000000LL;
	ssize_t n;

	while (clock_mono_ns() < deadline) {
		control_dispatch(ctl);
		if (poll(&pfd, 1, 10) == 1)
			break;
	}
	n = read(fd, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	return (int)n;
}

static void test_request_reply(void)
{
	char buf[512];
	int fd = connect_client();

	CHECK(fd >= 0);
	CHECK(write(fd, "{\"op\":\"status\"}\n", 16) == 16);
	CHECK(await_reply(fd, buf, sizeof(buf)) > 0);
	CHECK(strstr(buf, "\"op\":\"status\""), "%s", buf);
	CHECK(strstr(buf, "\"uid\":0"), "%s", buf); /* SO_PEERCRED: we are root */
	close(fd);
}

static void test_malformed_request(void)
{
	char buf[512];
	int fd = connect_client();

	CHECK(write(fd, "hello\n", 6) == 6);
	CHECK(await_reply(fd, buf, sizeof(buf)) > 0);
	CHECK(strstr(buf, "malformed request"), "%s", buf);
	close(fd);
}

static void test_oversized_request(void)
{
	static char big[REQUEST_MAX_BYTES + 100];
	char buf[512];
	int fd = connect_client();

	memset(big, 'x', sizeof(big));
	CHECK(write(fd, big, sizeof(big)) == (ssize_t)sizeof(big));
	CHECK(await_reply(fd, buf, sizeof(buf)) > 0);
	CHECK(strstr(buf, "request too long"), "%s", buf);
	close(fd);
}

static void test_slow_client_blocks_nobody(void)
{
	char buf[512];
	int slow = connect_client(), fast;

	CHECK(write(slow, "{\"op\":", 6) == 6); /* and never the rest */
	fast = connect_client();
	CHECK(write(fast, "{\"op\":\"devices\"}\n", 17) == 17);
	CHECK(await_reply(fast, buf, sizeof(buf)) > 0);
	CHECK(strstr(buf, "\"op\":\"devices\""), "%s", buf);
	close(fast);
	/* The slow one is answered with an error once its deadline passes. */
	CHECK(await_reply(slow, buf, sizeof(buf)) > 0);
	CHECK(strstr(buf, "timed out"), "%s", buf);
	close(slow);
}

static void test_client_hangs_up(void)
{
	char buf[512];
	int fd = connect_client();

	close(fd);
	control_dispatch(ctl);
	fd = connect_client();
	CHECK(write(fd, "{\"op\":\"status\"}\n", 16) == 16);
	CHECK(await_reply(fd, buf, sizeof(buf)) > 0);
	close(fd);
}

int main(void)
{
	snprintf(sock_path, sizeof(sock_path), "/tmp/evtap-test-%d.sock", getpid());
	if (control_open(&ctl, sock_path, on_request, NULL)) {
		printf("FAIL control_open\n");
		return 1;
	}
	RUN(test_request_reply);
	RUN(test_malformed_request);
	RUN(test_oversized_request);
	RUN(test_slow_client_blocks_nobody);
	RUN(test_client_hangs_up);
	control_close(ctl);
	CHECK_EXIT();
}
