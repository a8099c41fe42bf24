/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A NATS connection as a fleet role: the servers as an array (libnats rejects a comma list in
 * one URL), the user and password of the credentials file, reconnects with jitter so that a
 * fleet does not return in step after a broker restart (a daemon's wait also grows with each
 * round of failed tries), and the role's own inbox prefix, to which its permissions confine
 * replies.
 */
#ifndef EVTAP_FLEET_CONN_H
#define EVTAP_FLEET_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <nats/nats.h>
#include "fleet_conf.h"

/*
 * Keep trying: connect in the background and reconnect for ever (a daemon). Without it, the
 * first connect must succeed within the timeout and reconnects are few (a command).
 */
#define FLEET_CONNECT_RETRY 1u

/*
 * A daemon's wait before its next round of reconnect tries, after attempts rounds failed (1
 * the first): uniform in [c/2, c] with c = BASE * 2^(attempts - 1), at most MAX ("equal
 * jitter"), random being a uniform 32-bit value. Commands wait a fixed 2 s (with jitter).
 */
#define FLEET_RECONNECT_BASE_MS 2000
#define FLEET_RECONNECT_MAX_MS	30000
int64_t fleet_reconnect_delay_ms(int attempts, uint32_t random);

/*
 * Connects as the credentials in c. name is the client name the servers log. Returns 0 with
 * *nc connected (or, with FLEET_CONNECT_RETRY, connecting), or -1 with err saying why. The
 * caller destroys *nc with natsConnection_Destroy.
 */
int fleet_connect(natsConnection **nc, const struct fleet_conf *c, const char *name,
		  unsigned int flags, char *err, size_t errlen);

/*
 * Whether the server refused something on nc for want of permission: a publish to a subject
 * the user may not use is not answered, only reported on the connection as an error.
 */
int fleet_conn_refused(natsConnection *nc);

#endif /* EVTAP_FLEET_CONN_H */
