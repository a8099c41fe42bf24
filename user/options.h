/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* evtapd's settings: defaults, and the command line that overrides them. */
#ifndef EVTAP_OPTIONS_H
#define EVTAP_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct daemon_config {
	const char *data_dir;
	const char *key_dir; /* the users' keys: never inside data_dir */
	const char *socket_path;
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
	int verbose;
};

enum options_result { OPTIONS_RUN, OPTIONS_EXIT_OK, OPTIONS_USAGE };

void options_defaults(struct daemon_config *cfg);
/* Fills cfg from argv; on OPTIONS_USAGE, err says which option and what was expected. */
enum options_result options_parse(struct daemon_config *cfg, int argc, char **argv, char *err,
				  size_t errlen);
void options_usage(FILE *out);

#endif /* EVTAP_OPTIONS_H */
