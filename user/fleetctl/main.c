// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-fleet: sets up a fleet's NATS side (keys, users, permissions, streams, buckets), adds
 * machines, sets the fleet's policy and lists the agents' heartbeats.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include <nats/nats.h>
#include "ctl.h"
#include "log.h"

struct command {
	const char *words[2];
	int (*run)(struct ctl *ctl);
};

static const struct command commands[] = {
	{ { "init" }, ctl_init },
	{ { "add-host" }, ctl_add_host },
	{ { "policy", "set" }, ctl_policy_set },
	{ { "policy", "get" }, ctl_policy_get },
	{ { "status" }, ctl_status },
};

static const char usage_text[] =
	"usage: evtap-fleet init --servers URL[,URL...] --dir DIR [--host MACHINE-ID]...\n"
	"       evtap-fleet add-host MACHINE-ID --dir DIR\n"
	"       evtap-fleet policy set KEY=VALUE... [--dir DIR]\n"
	"       evtap-fleet policy get [KEY] [--dir DIR]\n"
	"       evtap-fleet status [--silent-after SECONDS] [--json] [--dir DIR]\n";

int ctl_error(const struct ctl *ctl, int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "evtap-fleet %s: ", ctl->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

/* The command whose words start argv; *used says how many words it took. */
static const struct command *find(int argc, char **argv, int *used)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *c = &commands[i];
		int n = c->words[1] ? 2 : 1;

		if (argc >= n && !strcmp(argv[0], c->words[0]) &&
		    (n == 1 || !strcmp(argv[1], c->words[1]))) {
			*used = n;
			return c;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct ctl ctl = { .dir = "/etc/evtap/fleet", .silent_after = 120 };
	const struct command *c;
	char name[32];
	int used, ret;

	log_init("evtap-fleet", LOG_WARNING);
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))) {
		fputs(usage_text, stdout);
		return CTL_OK;
	}
	if (argc < 2 || !(c = find(argc - 1, argv + 1, &used))) {
		if (argc >= 2)
			fprintf(stderr, "evtap-fleet: unknown command '%s'\n", argv[1]);
		fputs(usage_text, stderr);
		return CTL_USAGE;
	}
	snprintf(name, sizeof(name), "%s%s%s", c->words[0], c->words[1] ? " " : "",
		 c->words[1] ?: "");
	ctl.cmd = name;
	if (ctl_parse(&ctl, argc - 1 - used, argv + 1 + used))
		return CTL_USAGE;
	if (sodium_init() < 0)
		return ctl_error(&ctl, CTL_FAILED, "libsodium cannot start");
	ret = c->run(&ctl);
	nats_Close();
	return ret;
}
