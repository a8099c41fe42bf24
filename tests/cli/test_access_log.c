// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap access-log, the CLI's side: the entries evtapd streams printed as a table (or as they
 * came, with --json), and a log that is cut short or misses entries exits
 * EXIT_EXPORT_INCOMPLETE. client_call runs against a socket that serves a given body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "fake_daemon.h"

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
	int ret = fake_daemon_call(sock_path, "access-log", "jsonl", raw, body, strlen(body),
				   out_path, err_path);

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
