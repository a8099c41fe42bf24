// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Forget, the custodian's part: a person with an entry in evtap-forget is refused every release
 * from then on (decide.c reads the bucket at each request, and the custodian keeps no key in
 * memory between requests), and the eraser purges their sealed keys from EVTAP_KEYS, which the
 * custodian may not purge. Here: the receipt <person>.custodian = destroyed, once per request.
 */
#include <inttypes.h>
#include <stdio.h>
#include <json-c/json.h>
#include "clock.h"
#include "fleet_forget.h"
#include "custodian.h"
#include "log.h"

/* A restart receipts every forget again: the same answer, later, which is harmless. */
static int put_receipt(struct custodian *c, kvEntry *k)
{
	char key[FLEET_PSEUDONYM_LEN + 16], value[160];

	if (fleet_receipt_key(key, sizeof(key), kvEntry_Key(k), "custodian"))
		return -1;
	snprintf(value, sizeof(value),
		 "{\"what\":\"destroyed\",\"time\":%" PRId64 ",\"request\":%" PRId64 "}",
		 clock_wall_ns(), fleet_forget_requested(kvEntry_ValueString(k)));
	return kvStore_PutString(NULL, c->receipts, key, value) == NATS_OK ? 0 : -1;
}

void forget_poll(struct custodian *c)
{
	kvEntry *k = NULL;
	natsStatus s;

	if (!c->forget_watch && kvStore_WatchAll(&c->forget_watch, c->forget, NULL) != NATS_OK) {
		c->forget_watch = NULL;
		return;
	}
	while ((s = kvWatcher_Next(&k, c->forget_watch, 1)) == NATS_OK) {
		int failed = k && kvEntry_Operation(k) == kvOp_Put && put_receipt(c, k);

		if (k && kvEntry_Operation(k) == kvOp_Put)
			log_info("%.8s: forgotten: no release from now on%s", kvEntry_Key(k),
				 failed ? "; receipt not put, trying again" : "");
		kvEntry_Destroy(k);
		k = NULL;
		if (failed)
			break;
	}
	/* A failure starts the watch anew on the next poll, which replays every forget. */
	if (s != NATS_TIMEOUT) {
		kvWatcher_Destroy(c->forget_watch);
		c->forget_watch = NULL;
	}
}
