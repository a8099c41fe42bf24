// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Pseudonyms against vectors computed independently (Python's hmac), and the key files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "fleet_pseudonym.h"

static void fill_key(unsigned char key[FLEET_KEY_LEN])
{
	for (int i = 0; i < FLEET_KEY_LEN; i++)
		key[i] = i;
}

static void test_known_answer(void)
{
	unsigned char key[FLEET_KEY_LEN];
	char out[FLEET_PSEUDONYM_LEN + 1];

	fill_key(key);
	CHECK_EQ(fleet_pseudonym(out, key, "alice"), 0);
	CHECK(!strcmp(out, "6eefad2bed97b6d93ee663d67a44b460"), "%s", out);
	CHECK_EQ(fleet_pseudonym(out, key, "0123456789abcdef0123456789abcdef"), 0);
	CHECK(!strcmp(out, "66fc66f2575a06af5f464345a49885be"), "%s", out);
	CHECK_EQ(strlen(out), FLEET_PSEUDONYM_LEN);
	CHECK(fleet_pseudonym(out, key, "") < 0);
}

/* Another key gives another pseudonym: the broker cannot link fleets or test a guess. */
static void test_keyed(void)
{
	unsigned char key[FLEET_KEY_LEN];
	char a[FLEET_PSEUDONYM_LEN + 1], b[FLEET_PSEUDONYM_LEN + 1];

	fill_key(key);
	fleet_pseudonym(a, key, "alice");
	key[31] ^= 1;
	fleet_pseudonym(b, key, "alice");
	CHECK(strcmp(a, b));
}

static void write_bytes(const char *path, size_t n)
{
	FILE *f = fopen(path, "w");

	for (size_t i = 0; i < n; i++)
		fputc(i, f);
	fclose(f);
}

static void test_key_file(void)
{
	char path[] = "/tmp/evtap-fleet-key-XXXXXX", err[256];
	unsigned char key[FLEET_KEY_LEN];
	int fd = mkstemp(path);

	close(fd);
	write_bytes(path, 32);
	CHECK_EQ(fleet_read_key(path, key, err, sizeof(err)), 0);
	CHECK_EQ(key[31], 31);
	write_bytes(path, 31);
	CHECK(fleet_read_key(path, key, err, sizeof(err)) < 0);
	CHECK(strstr(err, path) && strstr(err, "exactly 32 raw bytes, found fewer"), "%s", err);
	write_bytes(path, 33);
	CHECK(fleet_read_key(path, key, err, sizeof(err)) < 0);
	CHECK(strstr(err, "found more"), "%s", err);
	unlink(path);
	CHECK(fleet_read_key(path, key, err, sizeof(err)) < 0);
	CHECK(strstr(err, "cannot read"), "%s", err);
}

static void test_machine_id(void)
{
	char path[] = "/tmp/evtap-fleet-mid-XXXXXX", err[256], id[64];
	int fd = mkstemp(path);

	CHECK_EQ(write(fd, "4c4c4544004e\n", 13), 13);
	close(fd);
	CHECK_EQ(fleet_read_machine_id(path, id, sizeof(id), err, sizeof(err)), 0);
	CHECK(!strcmp(id, "4c4c4544004e"), "%s", id);
	CHECK_EQ(truncate(path, 0), 0);
	CHECK(fleet_read_machine_id(path, id, sizeof(id), err, sizeof(err)) < 0);
	CHECK(strstr(err, "empty"), "%s", err);
	unlink(path);
}

int main(void)
{
	RUN(test_known_answer);
	RUN(test_keyed);
	RUN(test_key_file);
	RUN(test_machine_id);
	CHECK_EXIT();
}
