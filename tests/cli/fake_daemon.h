/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The CLI's tests' stand-in for evtapd: one connection on a socket, answered {"ok":true} and a
 * given body, and client_call run against it with stdout and stderr caught in files.
 */
#ifndef EVTAP_TEST_FAKE_DAEMON_H
#define EVTAP_TEST_FAKE_DAEMON_H

#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-c/json.h>
#include "check.h"
#include "client.h"

/* Serves one connection on sock_path: reads the request line, answers ok, then sends body. */
static pid_t fake_daemon_serve(const char *sock_path, const char *body, size_t len)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0), fd;
	char req[4096];
	pid_t pid;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock_path);
	unlink(sock_path);
	CHECK(!bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) && !listen(lfd, 1), "%s",
	      sock_path);
	pid = fork();
	if (pid == 0) {
		fd = accept(lfd, NULL, NULL);
		if (read(fd, req, sizeof(req)) <= 0 || write(fd, "{\"ok\":true}\n", 12) != 12 ||
		    write(fd, body, len) != (ssize_t)len)
			_exit(1);
		_exit(0);
	}
	close(lfd);
	return pid;
}

/* Points fd 1 or 2 at path (made anew); returns the saved descriptor. */
static int fake_daemon_catch(int which, const char *path)
{
	int saved = dup(which), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	dup2(fd, which);
	close(fd);
	return saved;
}

/*
 * client_call(op, format, raw) against body served on sock_path: what the CLI printed lands in
 * out_path, its messages in err_path. Returns the CLI's exit status.
 */
static int fake_daemon_call(const char *sock_path, const char *op, const char *format, int raw,
			    const char *body, size_t len, const char *out_path,
			    const char *err_path)
{
	json_object *req = json_object_new_object();
	pid_t pid = fake_daemon_serve(sock_path, body, len);
	int saved_out, saved_err, ret, status;

	fflush(stdout);
	fflush(stderr);
	saved_out = fake_daemon_catch(1, out_path);
	saved_err = fake_daemon_catch(2, err_path);
	json_object_object_add(req, "op", json_object_new_string(op));
	ret = client_call(sock_path, op, req, format, raw);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	json_object_put(req);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status));
	return ret;
}

#endif /* EVTAP_TEST_FAKE_DAEMON_H */
