/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Giving up what evtapd no longer needs once its programs are loaded and attached. */
#ifndef EVTAP_PRIVDROP_H
#define EVTAP_PRIVDROP_H

/*
 * Keeps only CAP_BPF (every bpf() command on the open map and program fds needs it while
 * kernel.unprivileged_bpf_disabled is set, Debian's default), in the effective, permitted
 * and bounding sets, clears the inheritable and ambient sets, and sets no_new_privs.
 * Returns 0 or -errno; on failure evtapd must not go on.
 */
int privdrop_apply(void);

#endif /* EVTAP_PRIVDROP_H */
