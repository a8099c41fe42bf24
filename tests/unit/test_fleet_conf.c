// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The [fleet] section: each key, each bad value with what was expected, the whole-file check. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "fleet_conf.h"
#include "fleet_creds.h"

static char dir[] = "/tmp/evtap-fleet-conf-XXXXXX";
static char path[128], creds[128], key[128], shortkey[128];

static void write_file(const char *p, const char *text, size_t n)
{
	FILE *f = fopen(p, "w");

	fwrite(text, 1, n, f);
	fclose(f);
}

static void setup(void)
{
	static const char k[33] = "0123456789abcdef0123456789abcdef";

	if (!mkdtemp(dir))
		exit(1);
	snprintf(path, sizeof(path), "%s/evtap.conf", dir);
	snprintf(creds, sizeof(creds), "%s/agent.auth", dir);
	snprintf(key, sizeof(key), "%s/key", dir);
	snprintf(shortkey, sizeof(shortkey), "%s/short", dir);
	write_file(creds, "user = u\npassword = p\ninbox = _INBOX_h\n", 37);
	write_file(key, k, 32);
	write_file(shortkey, k, 31);
}

static void test_keys(void)
{
	struct fleet_conf c;
	char err[256];

	fleet_conf_init(&c);
	CHECK_EQ(c.max_in_flight, 64);
	CHECK_EQ(c.heartbeat_s, 30);
	CHECK(!strcmp(c.ship_group, "evtap-ship"));
	CHECK(!strcmp(c.ship_state_dir, "/var/lib/evtap-ship"));
	CHECK_EQ(fleet_conf_set(&c, "ship-group", "Bad;grp", err, sizeof(err)), -EINVAL);
	CHECK_EQ(fleet_conf_set(&c, "ship-state-dir", "rel/dir", err, sizeof(err)), -EINVAL);
	CHECK_EQ(fleet_conf_set(&c, "ship-group", "ship_2", err, sizeof(err)), 0);
	CHECK(!strcmp(c.ship_group, "ship_2"));
	CHECK(!strcmp(c.ship_user, "evtap-ship"));
	CHECK_EQ(fleet_conf_set(&c, "ship-user", "-x", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "a user name"), "%s", err);
	CHECK_EQ(fleet_conf_set(&c, "ship-user", "ship_3", err, sizeof(err)), 0);
	CHECK(!strcmp(c.ship_user, "ship_3") && !strcmp(c.ship_group, "ship_2"));
	CHECK_EQ(fleet_conf_set(&c, "servers", "nats://a:4222, nats://b:4223,nats://c", err,
				sizeof(err)),
		 0);
	CHECK_EQ(c.nservers, 3);
	CHECK(!strcmp(c.servers[1], "nats://b:4223"), "%s", c.servers[1]);
	CHECK_EQ(fleet_conf_set(&c, "max-in-flight", "256", err, sizeof(err)), 0);
	CHECK_EQ(fleet_conf_set(&c, "ship-rate", "0", err, sizeof(err)), 0);
	CHECK_EQ(fleet_conf_set(&c, "heartbeat-interval", "10", err, sizeof(err)), 0);
	CHECK_EQ(fleet_conf_set(&c, "host-id", "lab-7", err, sizeof(err)), 0);
	CHECK_EQ(fleet_conf_set(&c, "credentials", "/etc/evtap/fleet.auth", err, sizeof(err)), 0);
	CHECK_EQ(c.max_in_flight, 256);
	CHECK_EQ(c.heartbeat_s, 10);
	CHECK(!strcmp(c.host_id, "lab-7"));
	CHECK(!strcmp(c.credentials, "/etc/evtap/fleet.auth"));
	/* A key given twice: the last one counts. */
	CHECK_EQ(fleet_conf_set(&c, "servers", "nats://x", err, sizeof(err)), 0);
	CHECK_EQ(c.nservers, 1);
	fleet_conf_free(&c);
}

/* Every bad value: the message names the value, the key and what was expected. */
static void test_bad_values(void)
{
	static const struct {
		const char *key, *value, *expected;
	} bad[] = {
		{ "servers", "", "comma-separated nats://HOST[:PORT] URLs" },
		{ "servers", "http://a:4222", "comma-separated nats://" },
		{ "servers", "nats://", "comma-separated nats://" },
		{ "servers", "nats://a,,tls://b", "comma-separated nats://" },
		{ "servers", "nats://:4222", "comma-separated nats://" },
		{ "servers",
		  "nats://a,nats://b,nats://c,nats://d,nats://e,nats://f,nats://g,"
		  "nats://h,nats://i,nats://j,nats://k,nats://l,nats://m,nats://n,"
		  "nats://o,nats://p,nats://q",
		  "at most 16" },
		{ "credentials", "fleet.auth", "an absolute path" },
		{ "pseudonym-key", "", "an absolute path" },
		{ "custodian-public-key", "keys/c.pub", "an absolute path" },
		{ "host-id", "", "1 to 128 characters without spaces" },
		{ "host-id", "two words", "1 to 128 characters without spaces" },
		{ "max-in-flight", "0", "an integer from 1 to 65536" },
		{ "max-in-flight", "65537", "an integer from 1 to 65536" },
		{ "max-in-flight", "-1", "an integer from 1 to 65536" },
		{ "max-in-flight", "12x", "an integer from 1 to 65536" },
		{ "ship-rate", "fast", "blocks per second, an integer from 0 (no limit)" },
		{ "ship-rate", "1000001", "blocks per second" },
		{ "heartbeat-interval", "0", "seconds, an integer from 1 to 3600" },
		{ "heartbeat-interval", "30s", "seconds, an integer from 1 to 3600" },
	};
	struct fleet_conf c;
	char err[256], want[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fleet_conf_init(&c);
		err[0] = '\0';
		CHECK_EQ(fleet_conf_set(&c, bad[i].key, bad[i].value, err, sizeof(err)), -EINVAL);
		snprintf(want, sizeof(want), "bad value '%s' for %s: expected ", bad[i].value,
			 bad[i].key);
		CHECK(!strncmp(err, want, strlen(want)), "%s", err);
		CHECK(strstr(err, bad[i].expected), "%s: %s", bad[i].key, err);
		CHECK_EQ(c.nservers, 0);
		fleet_conf_free(&c);
	}
	fleet_conf_init(&c);
	CHECK_EQ(fleet_conf_set(&c, "server", "nats://a", err, sizeof(err)), -ENOENT);
	CHECK(!strcmp(err, "unknown key 'server' in [fleet]"), "%s", err);
	fleet_conf_free(&c);
}

static int load(const char *text, unsigned int need, char *err)
{
	struct fleet_conf c;
	int ret;

	write_file(path, text, strlen(text));
	fleet_conf_init(&c);
	err[0] = '\0';
	ret = fleet_conf_load(&c, path, need, err, 256);
	fleet_conf_free(&c);
	return ret;
}

static int contains(const char *err, const char *a, const char *b)
{
	return strstr(err, a) && strstr(err, b);
}

/* From a file: the line of the bad key, then the whole section's check. */
static void test_file(void)
{
	char text[1024], err[256], at[256];

	snprintf(text, sizeof(text),
		 "[evtapd]\nlevel = full\n[fleet]\nservers = nats://a\n"
		 "credentials = %s\npseudonym-key = %s\ncustodian-public-key = %s\n",
		 creds, key, key);
	CHECK(load(text, FLEET_NEED_AGENT, err) == 0, "%s", err);
	CHECK_EQ(load("[fleet]\nservers = nats://a\n\nmax-in-flight = lots\n", 0, err), -EINVAL);
	snprintf(at, sizeof(at), "%s:4: bad value 'lots' for max-in-flight", path);
	CHECK(strstr(err, at), "%s", err);
	CHECK_EQ(load("[fleet]\nfrob = 1\n", 0, err), -EINVAL);
	CHECK(contains(err, ":2: unknown key 'frob'", path), "%s", err);
	CHECK_EQ(load("[fleet]\nthis is not ini\n", 0, err), -EINVAL);
	CHECK(contains(err, ":2: syntax error", path), "%s", err);
	CHECK_EQ(load("[fleet]\ncredentials = /x\n", 0, err), -EINVAL);
	CHECK(contains(err, "[fleet] servers: missing: expected", path), "%s", err);
	CHECK_EQ(load("[fleet]\nservers = nats://a\n", 0, err), -EINVAL);
	CHECK(contains(err, "credentials: missing", path), "%s", err);
	CHECK_EQ(load("[fleet]\nservers = nats://a\ncredentials = /nonexistent/a\n", 0, err),
		 -EINVAL);
	CHECK(contains(err, "credentials: /nonexistent/a: cannot read", path), "%s", err);
	/* A pipeline needs no keys; an agent both. */
	snprintf(text, sizeof(text), "[fleet]\nservers = nats://a\ncredentials = %s\n", creds);
	CHECK(load(text, 0, err) == 0, "%s", err);
	CHECK_EQ(load(text, FLEET_NEED_AGENT, err), -EINVAL);
	CHECK(contains(err, "pseudonym-key: missing: expected the path of a 32-byte key", path),
	      "%s", err);
	snprintf(text, sizeof(text),
		 "[fleet]\nservers = nats://a\ncredentials = %s\n"
		 "pseudonym-key = %s\ncustodian-public-key = %s\n",
		 creds, key, shortkey);
	CHECK_EQ(load(text, FLEET_NEED_AGENT, err), -EINVAL);
	CHECK(contains(err, "custodian-public-key: ", "exactly 32 raw bytes, found fewer"), "%s",
	      err);
}

static void test_host_id(void)
{
	struct fleet_conf c;
	char err[256], id[64], mid[160];

	snprintf(mid, sizeof(mid), "%s/machine-id", dir);
	write_file(mid, "abc123\n", 7);
	fleet_conf_init(&c);
	CHECK_EQ(fleet_conf_host_id(&c, mid, id, sizeof(id), err, sizeof(err)), 0);
	CHECK(!strcmp(id, "abc123"), "%s", id);
	fleet_conf_set(&c, "host-id", "override", err, sizeof(err));
	CHECK_EQ(fleet_conf_host_id(&c, mid, id, sizeof(id), err, sizeof(err)), 0);
	CHECK(!strcmp(id, "override"), "%s", id);
	fleet_conf_free(&c);
}

static void test_creds(void)
{
	struct fleet_creds cr = { "agent-h", "pw", "_INBOX_h" }, back;
	char text[256], err[256];
	int n = fleet_creds_format(text, sizeof(text), "role agent", &cr);

	CHECK(n > 0);
	write_file(creds, text, n);
	CHECK(fleet_creds_read(creds, &back, err, sizeof(err)) == 0, "%s", err);
	CHECK(!strcmp(back.user, "agent-h") && !strcmp(back.password, "pw") &&
	      !strcmp(back.inbox, "_INBOX_h"));
	write_file(creds, "user = u\npassword = p\n", 22);
	CHECK(fleet_creds_read(creds, &back, err, sizeof(err)) < 0);
	CHECK(strstr(err, "expected user, password and inbox"), "%s", err);
	write_file(creds, "user = u\ntoken = p\n", 19);
	CHECK(fleet_creds_read(creds, &back, err, sizeof(err)) < 0);
	CHECK(strstr(err, ":2: bad 'token'"), "%s", err);
}

static void cleanup(void)
{
	static const char *const names[] = { "evtap.conf", "agent.auth", "key", "short",
					     "machine-id" };
	char p[160];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

int main(void)
{
	setup();
	RUN(test_keys);
	RUN(test_bad_values);
	RUN(test_file);
	RUN(test_host_id);
	RUN(test_creds);
	cleanup();
	CHECK_EXIT();
}
