/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* evtapd's settings: defaults, and the command line that overrides them. */
#ifndef EVTAP_OPTIONS_H
#define EVTAP_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "fleet_conf.h"

struct daemon_config {
	const char *data_dir;
	const char *key_dir; /* the users' keys: never inside data_dir */
	const char *socket_path;
	const char *user; /* after start-up evtapd runs as this user (evtap) */
	/*
	 * Not a setting: the daemon's host tests run it in their own process over the kernel
	 * layer's double, and must keep root's privileges to call it as other users.
	 */
	int keep_privileges;
	const char *session_spec;
	int level;	     /* the fleet's level */
	int default_consent; /* enum evtap_default_consent */
	int64_t time_granularity_ns;
	int64_t flush_interval_ns; /* bounds what a crash can lose */
	int64_t count_interval_ns; /* level counts: one record per user per interval */
	int64_t poll_interval_ns;  /* the time bound on batched ring-buffer wakeups */
	int64_t retention_ns;	   /* 0: keep segments whatever their age */
	uint64_t max_user_bytes;   /* 0: no limit */
	uint64_t max_total_bytes;  /* 0: no limit */
	uint32_t ringbuf_bytes;
	uint32_t wakeup_bytes;
	int buffer; /* enum kpath_buffer: auto (0), ringbuf or perf */
	int attach; /* enum kpath_attach: auto (0), fentry or kprobe */
	int verbose;
	int pin;		     /* pin maps and links under /sys/fs/bpf/evtap for bpftool */
	const char *metrics;	     /* unix:PATH or 127.0.0.1:PORT; NULL: no metrics */
	int64_t metrics_interval_ns; /* how often the metrics' snapshot is taken */
	/* The file's [fleet] section (fleet mode: the store is shared with evtap-shipd). */
	int fleet_on;
	struct fleet_conf fleet;
	/* Bit i: option_defs[i] was set by the file or a flag (options_given), not defaulted. */
	unsigned long long given;
	/* Command line only: where the settings came from, and what to do. */
	const char *config_path; /* the INI file (/etc/evtap/evtap.conf) */
	int config_explicit;	 /* given with -c: it must exist */
	int check_config;	 /* validate the settings and exit */
	int probe;		 /* print what the kernel offers and exit */
	int argc;		 /* kept for SIGHUP: flags still override the reloaded file */
	char **argv;
	struct config_string *owned; /* strings set from the file: config_free() */
};

/* One setting: its long flag and its key in the file are both name. */
struct option_def {
	const char *name;
	const char *arg;  /* NULL: a switch, "yes" or "no" in the file */
	const char *help; /* also what a bad value is told is expected */
	int (*set)(struct daemon_config *cfg, const char *value);
};

enum options_result { OPTIONS_RUN, OPTIONS_EXIT_OK, OPTIONS_USAGE, OPTIONS_BAD_CONFIG };

/* The setting called name (a flag without its dashes, or a key of the file), or NULL. */
const struct option_def *options_find(const char *name);
/* Sets def's value into cfg and marks it given; 0 or -EINVAL. */
int options_set(struct daemon_config *cfg, const struct option_def *def, const char *value);
/* Whether the setting called name was given by the file or a flag. */
int options_given(const struct daemon_config *cfg, const char *name);

void options_defaults(struct daemon_config *cfg);
/* Fills cfg from argv; on OPTIONS_USAGE, err says which option and what was expected. */
enum options_result options_parse(struct daemon_config *cfg, int argc, char **argv, char *err,
				  size_t errlen);
void options_usage(FILE *out);

#endif /* EVTAP_OPTIONS_H */
