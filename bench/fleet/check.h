/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The fleet benchmark's loss check: every block of every agent's store must be in EVTAP_DATA
 * exactly once after dedupe, byte for byte (a hash), found by its Msg-Id
 * (host:person:segment:offset); what the stream holds beyond the stores, twice, or changed is
 * counted too.
 */
#ifndef EVTAP_BENCH_CHECK_H
#define EVTAP_BENCH_CHECK_H

#include <stddef.h>
#include <stdint.h>

struct check_agent {
	const char *host;     /* its host pseudonym */
	const char *user_dir; /* the store's directory of its one user */
	uint32_t uid;
};

struct check_result {
	uint64_t blocks, block_bytes; /* in the stores */
	uint64_t stream_msgs;	      /* the stream's count (after dedupe) */
	uint64_t found, missing, twice, changed, unknown;
};

/*
 * Reads the stores, then the stream through a pull consumer of the admin (servers: a
 * comma-separated list, creds: the admin's credentials file). Returns 0 with r filled, or -1
 * with a message on stderr.
 */
int check_stream(const char *servers, const char *creds, const struct check_agent *agents, size_t n,
		 struct check_result *r);

#endif /* EVTAP_BENCH_CHECK_H */
