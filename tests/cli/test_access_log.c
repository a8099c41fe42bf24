// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap access-log, the CLI's side: the entries evtapd streams printed as a table (or as they
 * came, with --json), and a log that is cut short or misses entries exits
 * EXIT_EXPORT_INCOMPLETE. client_call runs against a socket that serves a given body.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "client.h"

#define H "66fc66f2575a06af5f464345a49885be"
#define RELEASE                                                                                    \
	"{\"time\":\"2026-12-01T21:30:00.123456Z\",\"pipeline\":\"pipeline\",\"purpose\":"         \
	"\"ai-training\",\"host\":\"" H "\",\"segments\":[0,7],\"released\":true,\"level\":"       \
	"\"full\"}\n"
#define REFUSAL                                                                                    \
	"{\"time\":\"2026-12-01T21:31:00.000001Z\",\"pipeline\":\"pipeline\",\"purpose\":"         \
	"\"security\",\"host\":\"" H "\",\"segments\":[2],\"released\":false,\"why\":"             \
	"\"purpose excluded\"}\n"
#define TRAILER(n) "{\"trailer\":{\"entries\":" #n ",\"complete\":true}}\n"

static char dir[64], sock_path[96], out_path[96], err_path[96];

/* Serves one connection: reads the request line, answers ok, then sends body. */
static pid_t serve(const char *body)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0), fd;
	size_t len = strlen(body);
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

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
}

/* The CLI's exit status for body; what it printed into out, its messages into err. */
static int cli(const char *body, int raw, char *out, char *err, size_t len)
{
	json_object *req = json_object_new_object();
	int saved_out = dup(1), saved_err = dup(2), fd, ret, status;
	pid_t pid = serve(body);

	fflush(stdout);
	fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 1);
	close(fd);
	fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);
	json_object_object_add(req, "op", json_object_new_string("access-log"));
	ret = client_call(sock_path, "access-log", req, "jsonl", raw);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	json_object_put(req);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status));
	slurp(out_path, out, len);
	slurp(err_path, err, len);
	return ret;
}

static void test_table(void)
{
	char out[4096], err[1024];

	CHECK_EQ(cli(RELEASE REFUSAL TRAILER(2), 0, out, err, sizeof(out)), 0);
	CHECK(!strncmp(out, "WHEN ", 5) && strstr(out, " PIPELINE ") && strstr(out, " RESULT\n"),
	      "%s", out);
	CHECK(strstr(out, "2026-12-01T21:30:00.123456Z    pipeline     ai-training    " H
			  " 0,7       released at full\n"),
	      "%s", out);
	CHECK(strstr(out, "security       " H " 2         REFUSED: purpose excluded\n"), "%s", out);
	CHECK(!strstr(out, "trailer"), "%s", out);
}

static void test_json_lines_as_they_came(void)
{
	char out[4096], err[1024];

	CHECK_EQ(cli(RELEASE REFUSAL TRAILER(2), 1, out, err, sizeof(out)), 0);
	CHECK(!strcmp(out, RELEASE REFUSAL), "%s", out);
}

static void test_none_yet(void)
{
	char out[4096], err[1024];

	CHECK_EQ(cli("{\"trailer\":{\"entries\":0,\"complete\":true,\"why\":\"none yet\"}}\n", 0,
		     out, err, sizeof(out)),
		 0);
	CHECK(!strcmp(out, "No release or refusal of your data is recorded: none yet.\n"), "%s",
	      out);
}

/* Cut before its trailer, or with fewer entries than it counts: never taken for the whole. */
static void test_incomplete_exits_4(void)
{
	char out[4096], err[1024];

	CHECK_EQ(cli(RELEASE, 0, out, err, sizeof(out)), EXIT_EXPORT_INCOMPLETE);
	CHECK(strstr(err, "cut short"), "%s", err);
	CHECK_EQ(cli(RELEASE TRAILER(2), 1, out, err, sizeof(out)), EXIT_EXPORT_INCOMPLETE);
	CHECK(strstr(err, "entries missing"), "%s", err);
	CHECK_EQ(cli("{\"trailer\":{\"entries\":0,\"complete\":false,\"error\":\"read error\"}}\n",
		     0, out, err, sizeof(out)),
		 EXIT_EXPORT_INCOMPLETE);
	CHECK(strstr(err, "read error"), "%s", err);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/evtap-access-cli-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(sock_path, sizeof(sock_path), "%s/sock", dir);
	snprintf(out_path, sizeof(out_path), "%s/out", dir);
	snprintf(err_path, sizeof(err_path), "%s/err", dir);
	RUN(test_table);
	RUN(test_json_lines_as_they_came);
	RUN(test_none_yet);
	RUN(test_incomplete_exits_4);
	unlink(sock_path);
	unlink(out_path);
	unlink(err_path);
	rmdir(dir);
	CHECK_EXIT();
}
