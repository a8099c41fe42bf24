/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Control-socket requests: one JSON object on one line. Protocol: docs/PROTOCOL.md. */
#ifndef EVTAP_REQUEST_H
#define EVTAP_REQUEST_H

#include <stddef.h>
#include <stdint.h>
#include "policy.h"
#include "purposes.h"

#define REQUEST_MAX_BYTES 4096
/* Where evtapd listens unless its socket key says otherwise. */
#define REQUEST_SOCKET_DEFAULT "/run/evtap/evtap.sock"

enum request_op {
	REQ_STATUS,
	REQ_STATS,
	REQ_DEVICES,
	REQ_EXPORT,
	REQ_OPT_OUT,
	REQ_OPT_IN,
	REQ_LEVEL,
	REQ_PAUSE,
	REQ_FORGET,
	REQ_AUDIT,
	REQ_FORGET_STATUS,
	REQ_FLEET_CONSENT, /* evtap-shipd only: a consent change made on another machine */
	REQ_FLEET_FORGET,  /* evtap-shipd only: a forget asked on another machine */
	REQ_FLEET_POLICY,  /* evtap-shipd only: the fleet's policy, whole, as it now is */
	REQ_FLEET_HEALTH,  /* evtap-shipd only: the counters for its heartbeat, over all users */
	REQ_ACCESS_LOG,	   /* the fleet's releases and refusals of the caller's data */
	REQ_OP_MAX,
};

enum export_format { EXPORT_JSONL, EXPORT_CSV };

struct request {
	enum request_op op;
	int has_uid; /* "uid" given: act for that user (root only, unless it is the caller) */
	uint32_t uid;
	int all_users;	  /* export: "all": true (root only) */
	int level;	  /* level: enum evtap_level */
	int64_t pause_s;  /* pause: seconds, > 0 */
	int64_t since_ns; /* export: wall-clock bounds, [since, until) */
	int64_t until_ns;
	enum export_format format;
	/* fleet-consent: the person's whole choice as the fleet has it, and when it was made */
	int opted_out;
	int64_t paused_until_ns; /* wall clock; 0: not paused */
	int64_t changed_ns;	 /* wall clock of the change, on the machine that made it */
	/* opt-out, opt-in: "purpose", one name ("" for recording as a whole); fleet-consent:
	 * "excluded_purposes", the whole list, comma-separated (purposes.h) */
	char purposes[PURPOSES_TEXT];
	/* fleet-policy: "settings", the policy's good keys; the bad ones left out, said why */
	struct fleet_policy policy;
	char policy_why[POLICY_KEYS + 1][POLICY_WHY_MAX];
};

/* Parses one request; on error returns -EINVAL with a message for the client in err. */
int request_parse(const char *buf, size_t len, struct request *req, char *err, size_t errlen);
const char *request_op_name(enum request_op op);
/* The operation called name (as the socket and the CLI spell it), or -1. */
int request_op_parse(const char *name);

#endif /* EVTAP_REQUEST_H */
