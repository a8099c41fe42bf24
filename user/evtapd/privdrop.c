// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * After attach, evtapd reads and updates maps through fds it already holds, reads the ring
 * buffer through an mmap, and writes files that it owns (uid 0) in directories that it owns:
 * the store, the consent file, the audit log, the control socket, the pins. Of its
 * capabilities only CAP_BPF is still needed, for the bpf() calls on those fds. Loading and
 * attaching needed CAP_BPF and CAP_PERFMON (and CAP_SYS_RESOURCE for RLIMIT_MEMLOCK before
 * 5.11), and dropping the bounding set needs CAP_SETPCAP, all of which go here.
 */
#include <errno.h>
#include <sys/prctl.h>
#include <cap-ng.h>
#include <linux/capability.h>
#include "log.h"
#include "privdrop.h"

int privdrop_apply(void)
{
	capng_select_t what = CAPNG_SELECT_CAPS | CAPNG_SELECT_AMBIENT;
	int ret;

	capng_get_caps_process();
	/* The bounding set can only shrink with CAP_SETPCAP; without it, it stays as it is. */
	if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP))
		what = CAPNG_SELECT_ALL;
	capng_clear(what);
	if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
			 CAP_BPF)) {
		log_err("privileges: cannot keep CAP_BPF: the kernel has no such capability");
		return -EINVAL;
	}
	ret = capng_apply(what);
	if (ret) {
		log_err("privileges: cannot drop capabilities (capng_apply: %d)", ret);
		return -EPERM;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		ret = -errno;
		log_err("privileges: cannot set no_new_privs");
		return ret;
	}
	log_info("privileges: kept CAP_BPF only%s, no_new_privs set",
		 what == CAPNG_SELECT_ALL ? "" : " (bounding set unchanged: no CAP_SETPCAP)");
	return 0;
}
