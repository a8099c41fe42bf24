/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The access log's mirror (docs/FLEET.md, "The access log"). The custodian copies each audit
 * record to evtap.v1.audit.<person>.<host> for every host holding a key of the person; this
 * host's feed (the durable push consumer audit-<host>, made by evtap-fleet) delivers those to
 * evtap.v1.auditfeed.<host>, which only this host's agent may subscribe to. For each record:
 * the person's pseudonym mapped to the local account, the entry appended to
 * STATE_DIR/access-log.jsonl (access.h) and fsync'ed, and only then acknowledged. A record
 * delivered again (after a restart, or a feed made anew) is known by its stream sequence and
 * stored once. evtapd reads the file for `evtap access-log`.
 *
 * In the shipper's loop, on the sync thread: access_log_start once, access_log_poll on every
 * turn (it waits on the broker at most one bind, SYNC_KV_WAIT_MS, and 1 ms for a message),
 * access_log_stop at the end.
 */
#ifndef EVTAP_SHIPD_ACCESS_LOG_H
#define EVTAP_SHIPD_ACCESS_LOG_H

#include "sync.h"

struct access_log;

/*
 * Reads what the mirror holds (a torn last line is cut off). h must outlive the module.
 * Returns 0, or -ENOMEM; a mirror that cannot be opened or read is logged and the module does
 * nothing (the feed keeps the records for a later start).
 */
int access_log_start(struct access_log **out, const struct sync_host *h);
void access_log_poll(struct access_log *al);
void access_log_stop(struct access_log *al);

#endif /* EVTAP_SHIPD_ACCESS_LOG_H */
