/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* evtap-fleet: what the subcommands share (docs/evtap-fleet.1, docs/FLEET.md). */
#ifndef EVTAP_FLEETCTL_H
#define EVTAP_FLEETCTL_H

#include <stddef.h>

#define CTL_MAX_HOSTS 256
#define CTL_MAX_ARGS  16

/* Exit codes: 2 is for every bad flag, argument or value, so that scripts can tell. */
enum { CTL_OK = 0, CTL_FAILED = 1, CTL_USAGE = 2 };

struct ctl {
	const char *cmd;		  /* "init", "add-host", "policy set", ... */
	const char *dir;		  /* --dir */
	const char *servers;		  /* --servers */
	const char *hosts[CTL_MAX_HOSTS]; /* --host, or add-host's argument */
	int nhosts;
	unsigned int silent_after;	/* --silent-after, seconds */
	int json;			/* --json */
	const char *args[CTL_MAX_ARGS]; /* what is left after the flags */
	int nargs;
};

/*
 * Parses argv (after the subcommand's words) by the flag table: each flag is allowed for some
 * subcommands only. Returns 0, or CTL_USAGE after printing the error.
 */
int ctl_parse(struct ctl *ctl, int argc, char **argv);

/* The subcommands; each returns an exit code. */
int ctl_init(struct ctl *ctl);
int ctl_add_host(struct ctl *ctl);
int ctl_policy_set(struct ctl *ctl);
int ctl_policy_get(struct ctl *ctl);
int ctl_status(struct ctl *ctl);

/* Prints "evtap-fleet CMD: ..." to stderr and returns code. */
int ctl_error(const struct ctl *ctl, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* EVTAP_FLEETCTL_H */
