/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * evtap-custodian (docs/FLEET.md, "The custodian"): the only holder of the custodian's X25519
 * secret key. It answers key releases on FLEET_SUBJECT_RELEASE one at a time, each decided on
 * the consent, policy and forget buckets as they are at that moment (nothing cached, so that a
 * change applies to the next release), and writes every release and refusal to EVTAP_AUDIT.
 */
#ifndef EVTAP_CUSTODIAN_H
#define EVTAP_CUSTODIAN_H

#include <stdint.h>
#include <nats/nats.h>
#include "fleet_names.h"
#include "fleet_release.h"
#include "purposes.h"

#define CUSTODIAN_WAIT_MS 2000 /* a bucket get, a key fetch or an audit publish */
#define PIPELINE_MAX	  80
#define AUDIT_MAX_HOSTS	  64 /* machines of one person that get a copy of each audit record */

struct custodian {
	natsConnection *nc;
	jsCtx *js;
	kvStore *consent, *policy, *forget, *receipts;
	kvWatcher *forget_watch;
	uint8_t pk[32], sk[32];
	uint64_t released, refused;
};

/* A release request, as parsed: every token checked before it is used in a subject. */
struct release_req {
	char person[FLEET_PSEUDONYM_LEN + 1];
	char host[FLEET_PSEUDONYM_LEN + 1];
	char purpose[PURPOSE_NAME_MAX + 1];
	char pipeline[PIPELINE_MAX]; /* the requester: the inbox prefix its permissions confine it
					to */
	int level;		     /* asked for: enum evtap_level */
	uint64_t segments[FLEET_RELEASE_MAX_SEGMENTS];
	int nsegments;
	uint8_t reply_key[32];
};

/* Parses a request's JSON; reply is the message's reply subject. NULL, or why it is refused. */
const char *request_parse(struct release_req *r, const char *json, int len, const char *reply);

/*
 * Whether the person's consent, as the buckets hold it now, allows r. Returns NULL with *level
 * the highest level released, or why not ("opted out", "purpose excluded", ...).
 */
const char *decide(struct custodian *c, const struct release_req *r, int *level);

/* Answers one request message, audits it and counts it. */
void release_handle(struct custodian *c, natsMsg *m);

/*
 * Appends the audit record of r to evtap.v1.audit.<person>, and a copy to
 * evtap.v1.audit.<person>.<host> for each host that holds a key of the person: a release at
 * level, or a refusal with why (then level is unused). Returns 0, or -EIO when the stream did
 * not take one of them (a release is then refused: the person could not see it).
 */
int audit_write(struct custodian *c, const struct release_req *r, const char *why, int level);

/* Takes what the evtap-forget watch has: each new forget gets the receipt <person>.custodian. */
void forget_poll(struct custodian *c);

#endif /* EVTAP_CUSTODIAN_H */
