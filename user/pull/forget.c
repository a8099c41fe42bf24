// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Forget, the pipeline's part: on each request in evtap-forget, the person's cached key is
 * dropped (refused from then on), DIR/<person> is removed, and the receipt <person>.pipeline
 * says so. A restart replays every request: removing what is gone already is no error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "clock.h"
#include "fleet_forget.h"
#include "log.h"
#include "pull.h"

static int forget_one(struct pull *p, kvEntry *k)
{
	const char *person = kvEntry_Key(k);
	char key[FLEET_PSEUDONYM_LEN + 16], value[160];
	int err;

	keycache_drop(p, person);
	err = partition_remove(p, person);
	if (err) {
		log_warn("%.8s: partitions not removed: %s", person, strerror(-err));
		return err;
	}
	if (fleet_receipt_key(key, sizeof(key), person, "pipeline"))
		return -EINVAL;
	snprintf(value, sizeof(value),
		 "{\"what\":\"deleted\",\"time\":%" PRId64 ",\"request\":%" PRId64 "}",
		 clock_wall_ns(), fleet_forget_requested(kvEntry_ValueString(k)));
	if (kvStore_PutString(NULL, p->receipts, key, value) != NATS_OK)
		return -EIO;
	log_info("%.8s: forgotten: partitions removed, receipt put", person);
	return 0;
}

void pull_forget_poll(struct pull *p)
{
	kvEntry *k = NULL;
	natsStatus s;

	if (!p->forget_watch && kvStore_WatchAll(&p->forget_watch, p->forget, NULL) != NATS_OK) {
		p->forget_watch = NULL;
		return;
	}
	while ((s = kvWatcher_Next(&k, p->forget_watch, 1)) == NATS_OK) {
		int failed = k && kvEntry_Operation(k) == kvOp_Put && forget_one(p, k);

		kvEntry_Destroy(k);
		k = NULL;
		if (failed)
			break;
	}
	/* A failure starts the watch anew on the next poll, which replays every request. */
	if (s != NATS_TIMEOUT) {
		kvWatcher_Destroy(p->forget_watch);
		p->forget_watch = NULL;
	}
}
