// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* evtap: the CLI. It talks only to evtapd's control socket. Usage: docs/evtap.1. */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "clock.h"
#include "client.h"
#include "request.h"

static const char usage_text[] =
	"usage: evtap [--socket PATH] COMMAND [ARGS]\n"
	"\n"
	"Any user, about their own data:\n"
	"  status                     is my input being recorded now, at which level, why, and\n"
	"                             under which policy\n"
	"  opt-out                    stop recording me, and discard what is not yet stored\n"
	"  opt-in                     record me again (also ends a pause)\n"
	"  opt-out --purpose P        in a fleet: my data may not be used for purpose P\n"
	"  opt-in --purpose P         it may again\n"
	"  purposes                   what the fleet may use data for, and what I excluded\n"
	"  level off|counts|classes|full\n"
	"                             the most detail I allow (the fleet's level still caps it)\n"
	"  pause DURATION             stop recording me for a while: 15m, 2h, 1d\n"
	"  export [--since T] [--until T] [--format jsonl|csv|text]\n"
	"                             my data; T is RFC 3339 or seconds since the epoch\n"
	"  forget                     erase all my stored data (in a fleet: on every machine)\n"
	"  forget --status            which machines confirmed the erasure, and the purge\n"
	"  access-log [--json]        in a fleet: every release and refusal of my data: when,\n"
	"                             which pipeline, for which purpose, how much\n"
	"  devices                    the input devices evtapd knows\n"
	"Root only:\n"
	"  --user NAME|UID            with any command above: act for that user\n"
	"  export --all               every user's data\n"
	"  stats [--json]             counters: captured, gated, lost, persisted\n"
	"  audit                      the audit log\n";

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "evtap: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage_text);
	return 2;
}

static int parse_user(const char *s, json_object *req)
{
	struct passwd *pw = getpwnam(s);
	char *end;
	unsigned long uid;

	if (pw) {
		uid = pw->pw_uid;
	} else {
		errno = 0;
		uid = strtoul(s, &end, 10);
		if (!*s || *end || errno || uid >= 0xffffffffUL)
			return -EINVAL;
	}
	json_object_object_add(req, "uid", json_object_new_int64((int64_t)uid));
	return 0;
}

struct cli {
	const char *socket_path;
	const char *command;
	const char *format; /* export: jsonl, csv or text */
	int json;	    /* stats --json */
	json_object *req;
};

static int parse_time_arg(json_object *req, const char *key, const char *value)
{
	int64_t ns;

	if (clock_parse_time(value, &ns))
		return -EINVAL;
	json_object_object_add(req, key, json_object_new_int64(ns));
	return 0;
}

/* Options valid after the command; returns 0 or a usage exit code. */
static int parse_command_options(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'U' },
		{ "format", required_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "status", no_argument, NULL, 'S' },
		{ "purpose", required_argument, NULL, 'p' },
		{ 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			if (parse_user(optarg, cli->req))
				return usage_error("--user: no such user '%s'", optarg);
			break;
		case 's':
		case 'U':
			if (parse_time_arg(cli->req, c == 's' ? "since_ns" : "until_ns", optarg))
				return usage_error(
					"bad time '%s': expected RFC 3339 "
					"(2026-11-28T10:00:00Z) or seconds since the epoch",
					optarg);
			break;
		case 'f':
			if (strcmp(optarg, "jsonl") && strcmp(optarg, "csv") &&
			    strcmp(optarg, "text"))
				return usage_error("--format: '%s': expected jsonl, csv or text",
						   optarg);
			cli->format = optarg;
			break;
		case 'a':
			json_object_object_add(cli->req, "all", json_object_new_boolean(1));
			break;
		case 'j':
			cli->json = 1;
			break;
		case 'S':
			if (strcmp(cli->command, "forget"))
				return usage_error("%s: --status is only for forget", cli->command);
			cli->command = request_op_name(REQ_FORGET_STATUS);
			json_object_object_add(cli->req, "op",
					       json_object_new_string(cli->command));
			break;
		case 'p':
			if (strcmp(cli->command, "opt-out") && strcmp(cli->command, "opt-in"))
				return usage_error("%s: --purpose is only for opt-out and opt-in",
						   cli->command);
			json_object_object_add(cli->req, "purpose", json_object_new_string(optarg));
			break;
		case ':':
			return usage_error("%s: expected an argument", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	return optind < argc ? usage_error("unexpected argument '%s'", argv[optind]) : 0;
}

/* The command's positional argument (level, pause), before its options. */
static int parse_positional(struct cli *cli, int *argc, char ***argv)
{
	int64_t ns;

	if (strcmp(cli->command, "level") && strcmp(cli->command, "pause"))
		return 0;
	if (*argc < 2 || (*argv)[1][0] == '-')
		return usage_error("%s: expected an argument", cli->command);
	if (!strcmp(cli->command, "level")) {
		json_object_object_add(cli->req, "level", json_object_new_string((*argv)[1]));
	} else {
		if (clock_parse_duration((*argv)[1], &ns) || ns < 1000000000LL)
			return usage_error("pause: bad duration '%s': expected e.g. 15m, 2h or 1d",
					   (*argv)[1]);
		json_object_object_add(cli->req, "seconds",
				       json_object_new_int64(ns / 1000000000LL));
	}
	(*argv)[1] = (*argv)[0];
	(*argc)--;
	(*argv)++;
	return 0;
}

static int parse_args(struct cli *cli, int argc, char **argv)
{
	int i = 1, ret, op;

	if (argc > 2 && !strcmp(argv[1], "--socket")) {
		cli->socket_path = argv[2];
		i = 3;
	}
	if (i >= argc)
		return usage_error("%s", "expected a command");
	if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "help")) {
		fputs(usage_text, stdout);
		exit(0);
	}
	cli->command = argv[i];
	/* A view of the status: the purposes are part of the person's consent. */
	if (!strcmp(cli->command, "purposes")) {
		json_object_object_add(cli->req, "op",
				       json_object_new_string(request_op_name(REQ_STATUS)));
		return parse_command_options(cli, argc - i, argv + i);
	}
	/*
	 * The commands are the socket's operations, named as the protocol names them, but for
	 * the fleet's, which only evtap-shipd may send.
	 */
	op = request_op_parse(cli->command);
	if (op < 0 || op == REQ_FLEET_CONSENT || op == REQ_FLEET_FORGET || op == REQ_FLEET_POLICY ||
	    op == REQ_FLEET_HEALTH)
		return usage_error("unknown command '%s'", cli->command);
	json_object_object_add(cli->req, "op", json_object_new_string(cli->command));
	argc -= i;
	argv += i;
	ret = parse_positional(cli, &argc, &argv);
	return ret ? ret : parse_command_options(cli, argc, argv);
}

int main(int argc, char **argv)
{
	struct cli cli = { .socket_path = REQUEST_SOCKET_DEFAULT, .format = "jsonl" };
	int ret;

	cli.req = json_object_new_object();
	ret = parse_args(&cli, argc, argv);
	if (!ret) {
		if (!strcmp(cli.command, "export"))
			json_object_object_add(cli.req, "format",
					       json_object_new_string(strcmp(cli.format, "csv")
									      ? "jsonl"
									      : "csv"));
		ret = client_call(cli.socket_path, cli.command, cli.req, cli.format, cli.json);
	}
	json_object_put(cli.req);
	return ret;
}
