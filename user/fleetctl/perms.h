/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The NATS users of a fleet and what each may do, written as the accounts block that every
 * nats-server node includes: SYS (the system account, no users) and FLEET (JetStream, every
 * role's users). There is no authorization block and no user without a password, so a client
 * without credentials is refused (and the CVE-2023-47090 shape, $SYS alone beside an
 * authorization block, does not arise).
 */
#ifndef EVTAP_FLEETCTL_PERMS_H
#define EVTAP_FLEETCTL_PERMS_H

#include <stdio.h>
#include "fleet_creds.h"

/* A fixed role: its user's name and the machine its credentials file goes to. */
struct perms_role {
	const char *name;
	const char *goes_to;
};

/* The fixed roles, in the order their users are written; agents follow, one per host. */
extern const struct perms_role perms_roles[];
extern const int perms_nroles;

/* The user name of a role ("custodian") or of a host's agent ("agent-<host pseudonym>"). */
#define PERMS_AGENT_PREFIX "agent-"

/*
 * Writes one user: name, bcrypt hash and permissions. role is a fixed role's name, or
 * "agent" with host its pseudonym. Returns 0, or -1 when the hash cannot be made.
 */
int perms_write_user(FILE *f, const struct fleet_creds *cr, const char *role, const char *host);

/* The block's start and end around the users. */
void perms_write_head(FILE *f);
void perms_write_tail(FILE *f);

#endif /* EVTAP_FLEETCTL_PERMS_H */
