/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Giving up what evtapd no longer needs once its programs are loaded: uid 0 and every
 * capability. What it keeps is descriptors (maps, links, the ring buffer) and files that the
 * user it runs as owns.
 */
#ifndef EVTAP_PRIVDROP_H
#define EVTAP_PRIVDROP_H

#include <sys/types.h>

struct privdrop_user {
	uid_t uid;
	gid_t gid;
	gid_t ship_gid; /* fleet mode: the ship group too, to give the store to; else (gid_t)-1 */
	char name[64];
};

/* Looks up --user in the password database; 0 or -errno, the reason logged. */
int privdrop_lookup(const char *name, struct privdrop_user *u);

/*
 * Makes dir (0700) if it is missing, and gives it with everything in it to u if someone else
 * owns it (a store written when evtapd ran as root). A directory others may write is refused:
 * it is not evtapd's to give. 0 or -errno, the reason logged.
 */
int privdrop_own_tree(const struct privdrop_user *u, const char *dir);

/*
 * Becomes u (supplementary groups: u's group, and the ship group if set) unless already u, as under
 * systemd's User=, then empties every capability set (the bounding set too when CAP_SETPCAP allows)
 * and sets no_new_privs. Returns 0 or -errno; on failure evtapd must not go on.
 */
int privdrop_apply(const struct privdrop_user *u);

#endif /* EVTAP_PRIVDROP_H */
