// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The audit record of a release or refusal, appended to evtap.v1.audit.<person> (EVTAP_AUDIT:
 * DenyDelete, DenyPurge): {"time":NS,"pipeline":P,"purpose":U,"host":H,"segments":[...],
 * "released":true,"level":L} or {...,"released":false,"why":W}. It names no key and no content.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include "clock.h"
#include "custodian.h"
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

int audit_write(struct custodian *c, const struct release_req *r, const char *why, int level)
{
	char subject[96], segs[FLEET_RELEASE_MAX_SEGMENTS * 21 + 3], rec[2048];
	jsPubAck *ack = NULL;
	jsPubOptions o;
	natsStatus s;
	int n;

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
	jsPubOptions_Init(&o);
	o.MaxWait = CUSTODIAN_WAIT_MS;
	s = js_Publish(&ack, c->js, subject, rec, n, &o, NULL);
	jsPubAck_Destroy(ack);
	return s == NATS_OK ? 0 : -EIO;
}
