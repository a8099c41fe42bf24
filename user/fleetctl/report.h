/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What evtap-fleet tells its operator: each file, what happened to it, and where it goes. */
#ifndef EVTAP_FLEETCTL_REPORT_H
#define EVTAP_FLEETCTL_REPORT_H

#include <sys/types.h>
#include "files.h"

#define REPORT_PSEUDONYM_KEY "every agent machine: /etc/evtap/fleet/pseudonym.key"
#define REPORT_CUSTODIAN_PUB "every agent machine: /etc/evtap/fleet/custodian.pub"
#define REPORT_CUSTODIAN_SEC "the custodian's machine only; keep an offline copy"
#define REPORT_SERVER_CONF   "every nats-server node: include it from the node's config"
#define REPORT_ADMIN	     "stays here, for evtap-fleet policy and status"
#define REPORT_AGENT_CONF    "every agent machine: the [fleet] section of /etc/evtap/evtap.conf"

/* One line: "  RESULT MODE PATH -> WHERE". */
void report_file(const char *path, enum file_result r, mode_t mode, const char *where);

#endif /* EVTAP_FLEETCTL_REPORT_H */
