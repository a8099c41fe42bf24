// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * An export ends with a trailer that counts its records and the blocks it skipped, and the CLI
 * exits 0 only for a whole export: a store with a damaged middle block, and a body cut before
 * its trailer, each make it exit EXIT_EXPORT_INCOMPLETE. The daemon's side is export_users on a
 * real store; the CLI's is client_call against a socket that serves that body.
 */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "fake_daemon.h"
#include "client.h"
#include "codec.h"
#include "export.h"
#include "segment.h"
#include "store.h"

#define UID_A	1000
#define RECORDS 1000
#define TS0	1700000000000000000ll

static char tmp_root[64], data_dir[96], key_dir[96], sock_path[80], out_path[128];

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	return remove(path);
}

/* RECORDS key records of UID_A, in blocks of about 256 bytes: one segment of many blocks. */
static void make_store(void)
{
	struct store_opts opts = { .block_bytes = 256 };
	struct store *st = NULL;

	snprintf(tmp_root, sizeof(tmp_root), "/tmp/evtap-trailer-XXXXXX");
	if (!mkdtemp(tmp_root)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(data_dir, sizeof(data_dir), "%s/data", tmp_root);
	snprintf(key_dir, sizeof(key_dir), "%s/keys", tmp_root);
	snprintf(sock_path, sizeof(sock_path), "%s/sock", tmp_root);
	snprintf(out_path, sizeof(out_path), "%s/out", tmp_root);
	CHECK_EQ(store_open(&st, data_dir, key_dir, &opts), 0);
	for (int i = 0; i < RECORDS; i++) {
		struct evtap_record r = { .uid = UID_A,
					  .ts_ns = TS0 + i,
					  .kind = EVTAP_KIND_KEY,
					  .code = 30,
					  .value = i & 1 };

		CHECK_EQ(store_append(st, &r, NULL), 0);
	}
	store_close(st);
}

/* Flips a payload byte of the middle block of UID_A's one segment: its checksum fails. */
static void damage_middle_block(void)
{
	char path[PATH_MAX], name[SEG_NAME_SIZE];
	uint64_t offs[512], off = SEG_HEADER_SIZE;
	uint8_t seg[1 << 16];
	size_t n = 0;
	ssize_t len;
	int fd;

	seg_name(name, 0);
	snprintf(path, sizeof(path), "%s/%u/%s", data_dir, UID_A, name);
	fd = open(path, O_RDWR);
	len = pread(fd, seg, sizeof(seg), 0);
	CHECK(len > SEG_HEADER_SIZE && len < (ssize_t)sizeof(seg), "%s: %zd bytes", path, len);
	while (off + SEG_BLOCK_HEADER_SIZE <= (uint64_t)len && n < 512) {
		offs[n++] = off;
		off += SEG_BLOCK_HEADER_SIZE + get_le32(seg + off + 4);
	}
	CHECK(n >= 8, "%zu blocks", n);
	off = offs[n / 2] + SEG_BLOCK_HEADER_SIZE + 30;
	seg[off] ^= 0x20;
	CHECK_EQ(pwrite(fd, seg + off, 1, (off_t)off), 1);
	close(fd);
}

/* The daemon's side: the body export_users writes, in memory; *len its length. */
static char *export_body(enum export_format format, size_t *len)
{
	struct request req = {
		.op = REQ_EXPORT, .format = format, .since_ns = INT64_MIN, .until_ns = INT64_MAX
	};
	char *body = NULL;
	FILE *f = open_memstream(&body, len);

	CHECK_EQ(export_users(f, data_dir, key_dir, &req, UID_A), 0);
	fclose(f);
	return body;
}

static const char *last_line(const char *body)
{
	const char *end = body + strlen(body) - 1, *p = end;

	while (p > body && p[-1] != '\n')
		p--;
	return p;
}

/* The CLI's exit status for body; what it printed goes to out_path, its messages to *err. */
static int cli_export(const char *body, size_t len, const char *format, char *err, size_t errlen)
{
	char err_path[160];
	int ret;
	FILE *f;

	snprintf(err_path, sizeof(err_path), "%s.err", out_path);
	ret = fake_daemon_call(sock_path, "export", format, 0, body, len, out_path, err_path);
	f = fopen(err_path, "r");
	err[0] = 0;
	if (f && !fgets(err, (int)errlen, f))
		err[0] = 0;
	if (f)
		fclose(f);
	return ret;
}

static size_t printed_lines(bool *has_trailer)
{
	char line[8192];
	size_t n = 0;
	FILE *f = fopen(out_path, "r");

	*has_trailer = false;
	while (f && fgets(line, sizeof(line), f)) {
		n++;
		*has_trailer |= strstr(line, "trailer") != NULL;
	}
	if (f)
		fclose(f);
	return n;
}

static void test_clean_export_exits_0(void)
{
	char *body, err[512];
	bool has_trailer;
	size_t len;

	make_store();
	body = export_body(EXPORT_JSONL, &len);
	CHECK(!strcmp(last_line(body), "{\"trailer\":{\"records\":1000,\"skipped_blocks\":0,"
				       "\"complete\":true}}\n"),
	      "%s", last_line(body));
	CHECK_EQ(cli_export(body, len, "jsonl", err, sizeof(err)), 0);
	CHECK_EQ(printed_lines(&has_trailer), RECORDS);
	CHECK(!has_trailer, "the trailer was printed");
	CHECK(!err[0], "%s", err);
	free(body);
	/* CSV: the same trailer after the rows, and the CLI prints the header and the rows. */
	body = export_body(EXPORT_CSV, &len);
	CHECK(!strncmp(last_line(body), "{\"trailer\":{\"records\":1000,", 27), "%s",
	      last_line(body));
	CHECK_EQ(cli_export(body, len, "csv", err, sizeof(err)), 0);
	CHECK_EQ(printed_lines(&has_trailer), RECORDS + 1);
	CHECK(!has_trailer, "the trailer was printed");
	free(body);
	nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_damaged_block_exits_non_zero(void)
{
	char *body, err[512];
	bool has_trailer;
	size_t len;

	make_store();
	damage_middle_block();
	body = export_body(EXPORT_JSONL, &len);
	CHECK(strstr(last_line(body), "\"skipped_blocks\":1,\"complete\":true}}"), "%s",
	      last_line(body));
	CHECK_EQ(cli_export(body, len, "jsonl", err, sizeof(err)), EXIT_EXPORT_INCOMPLETE);
	CHECK(strstr(err, "1 damaged or unreadable blocks were skipped"), "%s", err);
	CHECK(printed_lines(&has_trailer) < RECORDS && !has_trailer, "the records that were read");
	free(body);
	nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_cut_stream_exits_non_zero(void)
{
	char *body, err[512];
	size_t len;

	make_store();
	body = export_body(EXPORT_JSONL, &len);
	/* Cut before the trailer, then in the middle of the records. */
	CHECK_EQ(cli_export(body, (size_t)(last_line(body) - body), "jsonl", err, sizeof(err)),
		 EXIT_EXPORT_INCOMPLETE);
	CHECK(strstr(err, "cut short"), "%s", err);
	CHECK_EQ(cli_export(body, len / 2, "text", err, sizeof(err)), EXIT_EXPORT_INCOMPLETE);
	CHECK(strstr(err, "cut short"), "%s", err);
	free(body);
	nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	RUN(test_clean_export_exits_0);
	RUN(test_damaged_block_exits_non_zero);
	RUN(test_cut_stream_exits_non_zero);
	CHECK_EXIT();
}
