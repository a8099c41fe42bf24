// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Each host's access-log feed (docs/FLEET.md, "The access log"): the durable push consumer
 * audit-<host> on EVTAP_AUDIT, filtered on evtap.v1.audit.*.<host> and delivering to
 * evtap.v1.auditfeed.<host>. It is made here, by the admin, because nats-server 2.9.10 takes
 * a consumer's filter from the create request's body: an agent allowed to create consumers
 * could read every host's records. The agent may only bind it (info), receive and acknowledge.
 * As with the streams, one that exists is compared and, when it differs, reported and kept.
 */
#include <stdio.h>
#include <string.h>
#include "admin.h"
#include "fleet_names.h"

#define FEED_ACK_WAIT_NS (30 * 1000000000LL) /* the shipper stores and fsyncs one record */
#define FEED_MAX_PENDING 256

struct feed {
	char durable[80], filter[96], deliver[96];
};

static int feed_names(struct feed *f, const char *host)
{
	return fleet_audit_durable(f->durable, sizeof(f->durable), host) ||
	       fleet_audit_filter(f->filter, sizeof(f->filter), host) ||
	       fleet_audit_feed(f->deliver, sizeof(f->deliver), host);
}

static int str_differs(const char *have, const char *want)
{
	return !have || strcmp(have, want);
}

static int create_feed(struct admin *a, const struct feed *f)
{
	jsConsumerConfig cc;
	jsErrCode jerr = 0;

	jsConsumerConfig_Init(&cc);
	cc.Durable = f->durable;
	cc.FilterSubject = f->filter;
	cc.DeliverSubject = f->deliver;
	cc.DeliverPolicy = js_DeliverAll;
	cc.AckPolicy = js_AckExplicit;
	cc.AckWait = FEED_ACK_WAIT_NS;
	cc.MaxAckPending = FEED_MAX_PENDING;
	if (js_AddConsumer(NULL, a->js, FLEET_STREAM_AUDIT, &cc, NULL, &jerr) != NATS_OK) {
		printf("  audit feed %s: cannot create: %s (%d)\n", f->durable,
		       nats_GetLastError(NULL), jerr);
		return 1;
	}
	printf("  audit feed %s: created (%s -> %s)\n", f->durable, f->filter, f->deliver);
	return 0;
}

/* Absent: made; present: compared. Returns 0, or 1 when it differs or cannot be made. */
static int ensure_feed(struct admin *a, const char *host)
{
	jsConsumerInfo *ci = NULL;
	jsErrCode jerr = 0;
	struct feed f;
	natsStatus s;
	int bad;

	if (feed_names(&f, host)) {
		printf("  audit feed of host '%s': not a pseudonym\n", host);
		return 1;
	}
	s = js_GetConsumerInfo(&ci, a->js, FLEET_STREAM_AUDIT, f.durable, NULL, &jerr);
	if (s == NATS_NOT_FOUND || jerr == JSConsumerNotFoundErr)
		return create_feed(a, &f);
	if (s != NATS_OK) {
		printf("  audit feed %s: cannot read: %s\n", f.durable, nats_GetLastError(NULL));
		return 1;
	}
	bad = str_differs(ci->Config->FilterSubject, f.filter) ||
	      str_differs(ci->Config->DeliverSubject, f.deliver) ||
	      ci->Config->AckPolicy != js_AckExplicit;
	if (bad)
		printf("  audit feed %s: DIFFERS, left as it is: filter %s, deliver %s "
		       "(want %s -> %s, explicit acks)\n",
		       f.durable, ci->Config->FilterSubject ?: "none",
		       ci->Config->DeliverSubject ?: "none", f.filter, f.deliver);
	else
		printf("  audit feed %s: unchanged\n", f.durable);
	jsConsumerInfo_Destroy(ci);
	return bad;
}

int setup_audit_feeds(struct admin *a, const char *const *hosts, int n)
{
	int bad = 0;

	for (int i = 0; i < n; i++)
		bad |= ensure_feed(a, hosts[i]);
	return bad ? CTL_FAILED : CTL_OK;
}
