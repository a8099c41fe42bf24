/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every NATS name that fleet mode uses, in one place: the agent, the custodian, the pipeline,
 * evtap-fleet and the permissions it writes all build their subjects here, so that a
 * permission and the subject it guards cannot drift apart.
 */
#ifndef EVTAP_FLEET_NAMES_H
#define EVTAP_FLEET_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* A pseudonym: the first 16 bytes of an HMAC-SHA-256, in lowercase hex. */
#define FLEET_PSEUDONYM_LEN 32

#define FLEET_STREAM_DATA  "EVTAP_DATA"
#define FLEET_STREAM_KEYS  "EVTAP_KEYS"
#define FLEET_STREAM_AUDIT "EVTAP_AUDIT"

#define FLEET_SUBJECTS_DATA "evtap.v1.data.*.*"
#define FLEET_SUBJECTS_KEYS "evtap.v1.key.*.*"
/*
 * The custodian's records: evtap.v1.audit.<person> (one per release or refusal) and a copy on
 * evtap.v1.audit.<person>.<host> for each host holding a key of the person (its access log).
 */
#define FLEET_SUBJECTS_AUDIT	"evtap.v1.audit.>"
#define FLEET_SUBJECT_CUSTODIAN "evtap.v1.custodian.>"
#define FLEET_SUBJECT_RELEASE	"evtap.v1.custodian.release"

#define FLEET_KV_POLICY	  "evtap-policy"
#define FLEET_KV_CONSENT  "evtap-consent"
#define FLEET_KV_HEALTH	  "evtap-health"
#define FLEET_KV_FORGET	  "evtap-forget"
#define FLEET_KV_RECEIPTS "evtap-receipts"

/* The durable pull consumer of the pipeline on EVTAP_DATA. */
#define FLEET_PIPELINE_DURABLE "evtap-pull"

/*
 * A host's access-log feed: the durable push consumer audit-<host> on EVTAP_AUDIT, made by
 * evtap-fleet (an agent may not make consumers: it could choose any filter), filtered on
 * evtap.v1.audit.*.<host> and delivering to evtap.v1.auditfeed.<host>, which only that host's
 * agent may subscribe to.
 */
#define FLEET_AUDIT_DURABLE_PREFIX "audit-"
#define FLEET_AUDIT_FEED_PREFIX	   "evtap.v1.auditfeed."

/*
 * Whether s may stand as one token of a subject: not empty, at most 64 bytes, only letters,
 * digits, '-' and '_' (no '.', wildcards, spaces or controls, which would change its meaning).
 */
int fleet_token_ok(const char *s);

/*
 * Each writes one name into buf and returns 0; -EINVAL when a part is not a valid token,
 * -ENAMETOOLONG when buf is too small (buf then holds nothing useful).
 */
int fleet_subject_data(char *buf, size_t len, const char *person, const char *host);
int fleet_subject_key(char *buf, size_t len, const char *person, const char *host);
int fleet_subject_audit(char *buf, size_t len, const char *person);
int fleet_subject_audit_host(char *buf, size_t len, const char *person, const char *host);
/* The feed of a host's audit copies: its durable's name, filter and delivery subject. */
int fleet_audit_durable(char *buf, size_t len, const char *host);
int fleet_audit_filter(char *buf, size_t len, const char *host);
int fleet_audit_feed(char *buf, size_t len, const char *host);
/*
 * The Nats-Msg-Id of a store block, host:person:segment:offset, so that a resend is a
 * duplicate. The person is in it because segments are numbered per user: every user of a host
 * has a segment 0 with a block at offset 32, and the stream's dedupe window spans subjects.
 */
int fleet_msg_id(char *buf, size_t len, const char *host, const char *person, uint64_t segment,
		 uint64_t offset);
/* The Nats-Msg-Id of a person's sealed key: key:host:person. */
int fleet_key_msg_id(char *buf, size_t len, const char *host, const char *person);
/* The evtap-receipts key <person>.<host-or-role>. */
int fleet_receipt_key(char *buf, size_t len, const char *person, const char *who);
/* The custom inbox prefix _INBOX_<who>, which a role's permissions confine its replies to. */
int fleet_inbox_prefix(char *buf, size_t len, const char *who);

#endif /* EVTAP_FLEET_NAMES_H */
