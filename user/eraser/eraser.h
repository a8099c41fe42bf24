/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The eraser role (docs/FLEET.md, "Forget"): for each forget in evtap-forget, purge the
 * person's messages from EVTAP_DATA and EVTAP_KEYS by subject, keep the pipeline's durable
 * consumer from skipping what others' data it had not read (the nats-server 2.9.10 purge bug,
 * /work/shared/FLEET-FACTS.md), and put the receipt <person>.eraser = "purged".
 */
#ifndef EVTAP_ERASER_H
#define EVTAP_ERASER_H

#include <nats/nats.h>

/*
 * Purges person's messages from both streams. Around the data stream's purge, the pipeline's
 * durable (if there is one) is read for its ack floor, deleted and made again with the same
 * configuration, delivering from floor + 1. Returns 0, or -1 with err saying which step failed.
 */
int eraser_purge(jsCtx *js, const char *person, char *err, size_t errlen);

#endif /* EVTAP_ERASER_H */
