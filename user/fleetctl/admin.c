// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Connecting as the fleet's admin. */
#include <stdio.h>
#include "admin.h"
#include "fleet_conf.h"
#include "fleet_conn.h"

int admin_connect(const struct ctl *ctl, struct admin *a)
{
	struct fleet_conf c;
	char path[4096], err[1024];
	jsOptions jo;
	int ret = CTL_FAILED;

	a->nc = NULL;
	a->js = NULL;
	snprintf(path, sizeof(path), "%s/admin.conf", ctl->dir);
	fleet_conf_init(&c);
	if (fleet_conf_load(&c, path, 0, err, sizeof(err)) ||
	    fleet_connect(&a->nc, &c, "evtap-fleet", 0, err, sizeof(err))) {
		ctl_error(ctl, 0, "%s", err);
		goto out;
	}
	jsOptions_Init(&jo);
	jo.Wait = ADMIN_WAIT_MS;
	if (natsConnection_JetStream(&a->js, a->nc, &jo) == NATS_OK)
		ret = 0;
	else
		ctl_error(ctl, 0, "no JetStream context: %s", nats_GetLastError(NULL));
out:
	fleet_conf_free(&c);
	if (ret)
		admin_close(a);
	return ret;
}

void admin_close(struct admin *a)
{
	jsCtx_Destroy(a->js);
	natsConnection_Destroy(a->nc);
	a->js = NULL;
	a->nc = NULL;
}

kvStore *admin_bucket(const struct ctl *ctl, struct admin *a, const char *bucket)
{
	kvStore *kv = NULL;
	natsStatus s = js_KeyValue(&kv, a->js, bucket);

	if (s != NATS_OK) {
		ctl_error(ctl, 0, "bucket %s: %s (has init made it?)", bucket,
			  natsStatus_GetText(s));
		return NULL;
	}
	return kv;
}
