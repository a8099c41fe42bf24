// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The [fleet] keys: one table says each key's parser and what it expects. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fleet_conf.h"
#include "fleet_pseudonym.h"

struct fleet_key {
	const char *name;
	int (*set)(struct fleet_conf *c, const struct fleet_key *k, const char *value);
	size_t off; /* of the member set, for the shared parsers */
	unsigned long min, max;
	const char *expected;
};

static int set_string(char **slot, const char *value)
{
	char *s = strdup(value);

	if (!s)
		return -ENOMEM;
	free(*slot);
	*slot = s;
	return 0;
}

static int set_path(struct fleet_conf *c, const struct fleet_key *k, const char *value)
{
	/* Absolute: the daemon runs from /, and a relative path would depend on who started it. */
	if (value[0] != '/')
		return -EINVAL;
	return set_string((char **)((char *)c + k->off), value);
}

static int set_host_id(struct fleet_conf *c, const struct fleet_key *k, const char *value)
{
	size_t n = strlen(value);

	if (n == 0 || n > 128 || strcspn(value, " \t\r\n") != n)
		return -EINVAL;
	return set_string(&c->host_id, value);
}

/*
 * A user or group name as useradd takes it: it goes to getpwnam or getgrnam, never to a shell
 * or a path. Both members are of the same size.
 */
static int set_name(struct fleet_conf *c, const struct fleet_key *k, const char *value)
{
	size_t n = strlen(value);

	if (n == 0 || n >= sizeof(c->ship_group) || value[0] == '-' ||
	    strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
		return -EINVAL;
	memcpy((char *)c + k->off, value, n + 1);
	return 0;
}

_Static_assert(sizeof(((struct fleet_conf *)0)->ship_user) ==
		       sizeof(((struct fleet_conf *)0)->ship_group),
	       "set_name sets either");

static int set_state_dir(struct fleet_conf *c, const struct fleet_key *k, const char *value)
{
	size_t n = strlen(value);

	if (value[0] != '/' || n >= sizeof(c->ship_state_dir))
		return -EINVAL;
	memcpy(c->ship_state_dir, value, n + 1);
	return 0;
}

static int set_uint(struct fleet_conf *c, const struct fleet_key *k, const char *value)
{
	unsigned long v;
	char *end;

	if (value[0] < '0' || value[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno || *end || v < k->min || v > k->max)
		return -EINVAL;
	*(unsigned int *)((char *)c + k->off) = v;
	return 0;
}

/* One nats:// URL with a host part; the URL's own syntax is the client library's to judge. */
static int url_ok(const char *url)
{
	const char *host = url + strlen("nats://");

	return !strncmp(url, "nats://", 7) && *host && *host != ':' && *host != '/' &&
	       strcspn(url, " \t") == strlen(url);
}

static void clear_servers(struct fleet_conf *c)
{
	for (int i = 0; i < c->nservers; i++)
		free(c->servers[i]);
	c->nservers = 0;
}

static int set_servers(struct fleet_conf *c, const struct fleet_key *k, const char *value)
{
	char *copy = strdup(value), *save, *tok;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	clear_servers(c);
	for (tok = strtok_r(copy, ",", &save); tok && !ret; tok = strtok_r(NULL, ",", &save)) {
		tok += strspn(tok, " \t");
		tok[strcspn(tok, " \t")] = '\0';
		if (!url_ok(tok) || c->nservers == FLEET_MAX_SERVERS)
			ret = -EINVAL;
		else if (!(c->servers[c->nservers] = strdup(tok)))
			ret = -ENOMEM;
		else
			c->nservers++;
	}
	free(copy);
	if (!ret && c->nservers == 0)
		ret = -EINVAL;
	if (ret)
		clear_servers(c);
	return ret;
}

#define OFF(m) offsetof(struct fleet_conf, m)

static const struct fleet_key keys[] = {
	{ "servers", set_servers, 0, 0, 0, "comma-separated nats://HOST[:PORT] URLs (at most 16)" },
	{ "credentials", set_path, OFF(credentials), 0, 0, "an absolute path" },
	{ "pseudonym-key", set_path, OFF(pseudonym_key), 0, 0, "an absolute path" },
	{ "custodian-public-key", set_path, OFF(custodian_public_key), 0, 0, "an absolute path" },
	{ "host-id", set_host_id, 0, 0, 0, "1 to 128 characters without spaces" },
	{ "max-in-flight", set_uint, OFF(max_in_flight), 1, 65536, "an integer from 1 to 65536" },
	{ "ship-rate", set_uint, OFF(ship_rate), 0, 1000000,
	  "blocks per second, an integer from 0 (no limit) to 1000000" },
	{ "heartbeat-interval", set_uint, OFF(heartbeat_s), 1, 3600,
	  "seconds, an integer from 1 to 3600" },
	{ "ship-group", set_name, OFF(ship_group), 0, 0,
	  "a group name: lowercase letters, digits, '_' and '-', at most 32" },
	{ "ship-user", set_name, OFF(ship_user), 0, 0,
	  "a user name: lowercase letters, digits, '_' and '-', at most 32" },
	{ "ship-state-dir", set_state_dir, 0, 0, 0, "an absolute path of at most 255 bytes" },
};

void fleet_conf_init(struct fleet_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->max_in_flight = 64;
	c->heartbeat_s = 30;
	strcpy(c->ship_group, FLEET_SHIP_GROUP_DEFAULT);
	strcpy(c->ship_user, FLEET_SHIP_USER_DEFAULT);
	strcpy(c->ship_state_dir, FLEET_SHIP_STATE_DIR_DEFAULT);
}

void fleet_conf_free(struct fleet_conf *c)
{
	clear_servers(c);
	free(c->credentials);
	free(c->pseudonym_key);
	free(c->custodian_public_key);
	free(c->host_id);
	fleet_conf_init(c);
}

int fleet_conf_set(struct fleet_conf *c, const char *key, const char *value, char *err,
		   size_t errlen)
{
	int ret;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(key, keys[i].name))
			continue;
		ret = keys[i].set(c, &keys[i], value);
		if (ret == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", key);
		else if (ret)
			snprintf(err, errlen, "bad value '%s' for %s: expected %s", value, key,
				 keys[i].expected);
		return ret ? -EINVAL : 0;
	}
	snprintf(err, errlen, "unknown key '%s' in [fleet]", key);
	return -ENOENT;
}

static int check_key_file(const char *key, const char *path, int needed, char *err, size_t errlen)
{
	unsigned char buf[FLEET_KEY_LEN];
	char why[256];
	int ret;

	if (!path && !needed)
		return 0;
	if (!path) {
		snprintf(err, errlen, "%s: missing: expected the path of a %d-byte key file", key,
			 FLEET_KEY_LEN);
		return -EINVAL;
	}
	ret = fleet_read_key(path, buf, why, sizeof(why));
	memset(buf, 0, sizeof(buf));
	if (ret)
		snprintf(err, errlen, "%s: %s", key, why);
	return ret ? -EINVAL : 0;
}

int fleet_conf_check(const struct fleet_conf *c, unsigned int need, char *err, size_t errlen)
{
	if (c->nservers == 0) {
		snprintf(err, errlen, "servers: missing: expected %s", keys[0].expected);
		return -EINVAL;
	}
	if (!c->credentials) {
		snprintf(err, errlen,
			 "credentials: missing: expected the path of the file that "
			 "evtap-fleet wrote");
		return -EINVAL;
	}
	if (access(c->credentials, R_OK)) {
		snprintf(err, errlen, "credentials: %s: cannot read: %s", c->credentials,
			 strerror(errno));
		return -EINVAL;
	}
	if (check_key_file("pseudonym-key", c->pseudonym_key, need & FLEET_NEED_PSEUDONYM_KEY, err,
			   errlen))
		return -EINVAL;
	return check_key_file("custodian-public-key", c->custodian_public_key,
			      need & FLEET_NEED_CUSTODIAN_KEY, err, errlen);
}
