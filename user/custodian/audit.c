// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The audit record of a release or refusal, appended to evtap.v1.audit.<person> (EVTAP_AUDIT:
 * DenyDelete, DenyPurge): {"time":NS,"pipeline":P,"purpose":U,"host":H,"segments":[...],
 * "released":true,"level":L} or {...,"released":false,"why":W}. It names no key and no content.
 * The same record goes to evtap.v1.audit.<person>.<host> for every host that holds a key of the
 * person (the subjects of EVTAP_KEYS, as they are now): the feed of each of those machines, so
 * that the person's access log on any machine they use holds every release of their data.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "clock.h"
#include "custodian.h"
#include "log.h"
#include "names.h"

static size_t segments_json(char *buf, size_t len, const struct release_req *r)
{
	size_t n = (size_t)snprintf(buf, len, "[");

	for (int i = 0; i < r->nsegments && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%" PRIu64, i ? "," : "", r->segments[i]);
	if (n < len)
		n += (size_t)snprintf(buf + n, len - n, "]");
	return n;
}

static int publish(struct custodian *c, const char *subject, const char *rec, int n)
{
	jsPubAck *ack = NULL;
	jsPubOptions o;
	natsStatus s;

	jsPubOptions_Init(&o);
	o.MaxWait = CUSTODIAN_WAIT_MS;
	s = js_Publish(&ack, c->js, subject, rec, n, &o, NULL);
	jsPubAck_Destroy(ack);
	return s == NATS_OK ? 0 : -EIO;
}

/*
 * The hosts holding a key of person, at most AUDIT_MAX_HOSTS: the last token of each subject
 * evtap.v1.key.<person>.<host> that EVTAP_KEYS holds. Returns how many, or -EIO.
 */
static int key_hosts(struct custodian *c, const char *person, char hosts[][FLEET_PSEUDONYM_LEN + 1])
{
	char filter[96], prefix[96];
	jsStreamInfo *si = NULL;
	jsOptions o;
	int n = 0;

	if (fleet_subject_key(prefix, sizeof(prefix), person, "x"))
		return -EINVAL;
	prefix[strlen(prefix) - 1] = '\0'; /* "evtap.v1.key.<person>." */
	snprintf(filter, sizeof(filter), "%s*", prefix);
	jsOptions_Init(&o);
	o.Wait = CUSTODIAN_WAIT_MS;
	o.Stream.Info.SubjectsFilter = filter;
	if (js_GetStreamInfo(&si, c->js, FLEET_STREAM_KEYS, &o, NULL) != NATS_OK)
		return -EIO;
	for (int i = 0; si->State.Subjects && i < si->State.Subjects->Count; i++) {
		const char *host = si->State.Subjects->List[i].Subject + strlen(prefix);
		if (n < AUDIT_MAX_HOSTS && fleet_token_ok(host) &&
		    strlen(host) <= FLEET_PSEUDONYM_LEN)
			snprintf(hosts[n++], sizeof(hosts[0]), "%s", host);
	}
	jsStreamInfo_Destroy(si);
	return n;
}

int audit_write(struct custodian *c, const struct release_req *r, const char *why, int level)
{
	char subject[96], segs[FLEET_RELEASE_MAX_SEGMENTS * 21 + 3], rec[2048];
	char hosts[AUDIT_MAX_HOSTS][FLEET_PSEUDONYM_LEN + 1];
	int n, nhosts, err;

	if (fleet_subject_audit(subject, sizeof(subject), r->person) ||
	    segments_json(segs, sizeof(segs), r) >= sizeof(segs))
		return -EINVAL;
	n = snprintf(rec, sizeof(rec),
		     "{\"time\":%" PRId64 ",\"pipeline\":\"%s\",\"purpose\":\"%s\",\"host\":\"%s\","
		     "\"segments\":%s,\"released\":%s,\"%s\":\"%s\"}",
		     clock_wall_ns(), r->pipeline, r->purpose, r->host, segs,
		     why ? "false" : "true", why ? "why" : "level",
		     why ? why : evtap_level_name(level));
	if (n < 0 || (size_t)n >= sizeof(rec))
		return -EINVAL;
	nhosts = key_hosts(c, r->person, hosts);
	err = nhosts < 0 ? nhosts : publish(c, subject, rec, n);
	for (int i = 0; i < nhosts && !err; i++) {
		/* A stream still over evtap.v1.audit.* (an older init) has no such subject. */
		err = fleet_subject_audit_host(subject, sizeof(subject), r->person, hosts[i])
			      ?: publish(c, subject, rec, n);
		if (err)
			log_warn(
				"%.8s: the audit copy for host %.8s was not stored (is EVTAP_AUDIT "
				"over %s? run evtap-fleet init again)",
				r->person, hosts[i], FLEET_SUBJECTS_AUDIT);
	}
	return err;
}
