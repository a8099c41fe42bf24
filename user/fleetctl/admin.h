/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* evtap-fleet's own connection: the admin role of DIR/admin.conf, which init wrote. */
#ifndef EVTAP_FLEETCTL_ADMIN_H
#define EVTAP_FLEETCTL_ADMIN_H

#include <nats/nats.h>
#include "ctl.h"

/* Waits this long for each JetStream API answer. */
#define ADMIN_WAIT_MS 5000

struct admin {
	natsConnection *nc;
	jsCtx *js;
};

/* Connects as admin. Returns 0, or prints why and returns CTL_FAILED. */
int admin_connect(const struct ctl *ctl, struct admin *a);
void admin_close(struct admin *a);

/* Opens a bucket; prints why and returns NULL when it cannot. */
kvStore *admin_bucket(const struct ctl *ctl, struct admin *a, const char *bucket);

/* The streams and buckets of docs/FLEET.md: made when absent, compared when present. */
int setup_streams(struct admin *a);

/*
 * The access-log feed of each host (pseudonyms), on EVTAP_AUDIT: made when absent, compared
 * when present. Returns CTL_OK or CTL_FAILED.
 */
int setup_audit_feeds(struct admin *a, const char *const *hosts, int n);

#endif /* EVTAP_FLEETCTL_ADMIN_H */
