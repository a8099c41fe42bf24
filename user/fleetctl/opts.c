// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* evtap-fleet's flags: one table says which subcommands take each and what it expects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"

enum { IN_INIT = 1, IN_ADD_HOST = 2, IN_POLICY = 4, IN_STATUS = 8, IN_ALL = 15 };

struct flag {
	const char *name;
	unsigned int in; /* the subcommands that take it */
	int (*set)(struct ctl *ctl, const char *value);
	const char *expected; /* NULL: a flag without a value */
};

static int set_dir(struct ctl *ctl, const char *value)
{
	ctl->dir = value;
	return *value ? 0 : -1;
}

static int set_servers(struct ctl *ctl, const char *value)
{
	ctl->servers = value;
	return *value ? 0 : -1;
}

static int add_host(struct ctl *ctl, const char *value)
{
	if (!*value || ctl->nhosts == CTL_MAX_HOSTS)
		return -1;
	ctl->hosts[ctl->nhosts++] = value;
	return 0;
}

static int set_silent_after(struct ctl *ctl, const char *value)
{
	char *end;
	unsigned long v = strtoul(value, &end, 10);

	if (value[0] < '0' || value[0] > '9' || *end || v < 1 || v > 86400)
		return -1;
	ctl->silent_after = v;
	return 0;
}

static int set_json(struct ctl *ctl, const char *value)
{
	ctl->json = 1;
	return 0;
}

static const struct flag flags[] = {
	{ "--dir", IN_ALL, set_dir, "a directory" },
	{ "--servers", IN_INIT, set_servers, "comma-separated nats://HOST[:PORT] URLs" },
	{ "--host", IN_INIT, add_host, "a machine-id (at most 256 of them)" },
	{ "--silent-after", IN_STATUS, set_silent_after, "seconds, from 1 to 86400" },
	{ "--json", IN_STATUS, set_json, NULL },
};

static unsigned int cmd_bit(const char *cmd)
{
	if (!strcmp(cmd, "init"))
		return IN_INIT;
	if (!strcmp(cmd, "add-host"))
		return IN_ADD_HOST;
	return strncmp(cmd, "policy", 6) ? IN_STATUS : IN_POLICY;
}

static const struct flag *find_flag(const char *arg, size_t len)
{
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (strlen(flags[i].name) == len && !strncmp(arg, flags[i].name, len))
			return &flags[i];
	return NULL;
}

/* One flag, as "--name value" or "--name=value"; returns how many argv words it took or -1. */
static int one_flag(struct ctl *ctl, int argc, char **argv)
{
	const char *eq = strchr(argv[0], '=');
	size_t len = eq ? (size_t)(eq - argv[0]) : strlen(argv[0]);
	const struct flag *f = find_flag(argv[0], len);
	const char *value = eq ? eq + 1 : argc > 1 ? argv[1] : NULL;

	if (!f || !(f->in & cmd_bit(ctl->cmd))) {
		ctl_error(ctl, 0, "unknown flag '%.*s'%s", (int)len, argv[0],
			  f ? " for this command" : "");
		return -1;
	}
	if (!f->expected) {
		if (eq) {
			ctl_error(ctl, 0, "%s takes no value", f->name);
			return -1;
		}
		return f->set(ctl, NULL) ? -1 : 1;
	}
	if (!value) {
		ctl_error(ctl, 0, "%s needs a value: %s", f->name, f->expected);
		return -1;
	}
	if (f->set(ctl, value)) {
		ctl_error(ctl, 0, "bad value '%s' for %s: expected %s", value, f->name,
			  f->expected);
		return -1;
	}
	return eq ? 1 : 2;
}

/* Flags and positional arguments in any order; after "--" everything is positional. */
int ctl_parse(struct ctl *ctl, int argc, char **argv)
{
	int flags_end = 0, n;

	for (int i = 0; i < argc; i += n) {
		n = 1;
		if (!flags_end && !strcmp(argv[i], "--"))
			flags_end = 1;
		else if (!flags_end && !strncmp(argv[i], "--", 2))
			n = one_flag(ctl, argc - i, argv + i);
		else if (ctl->nargs == CTL_MAX_ARGS)
			return ctl_error(ctl, CTL_USAGE, "too many arguments");
		else
			ctl->args[ctl->nargs++] = argv[i];
		if (n < 0)
			return CTL_USAGE;
	}
	return 0;
}
