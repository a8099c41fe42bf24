// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Privilege separation, the way OpenBSD daemons do it: loading and attaching the programs
 * happen in a short-lived child of the kernel layer; once it has handed over the descriptors,
 * evtapd becomes an unprivileged system user (evtap) with no capability. A code-execution bug
 * in request parsing then gets that user's files (the store, which is its own anyway) and not
 * root's: no /etc/shadow, no /proc/sys. Map updates and lookups on descriptors already held
 * need no capability, and the ring buffer is read through an mmap.
 */
#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <cap-ng.h>
#include <linux/capability.h>
#include "log.h"
#include "privdrop.h"

int privdrop_lookup(const char *name, struct privdrop_user *u)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (!pw) {
		log_err("--user %s: %s", name,
			errno ? strerror(errno)
			      : "no such user: create it (the package does) or name another one");
		return errno ? -errno : -ENOENT;
	}
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->ship_gid = (gid_t)-1;
	snprintf(u->name, sizeof(u->name), "%s", name);
	return 0;
}

/* nftw passes no context: the owner being given, for one walk at a time. */
static const struct privdrop_user *tree_owner;

static int give(const char *path, const struct stat *st, int type, struct FTW *f)
{
	if (st->st_uid == tree_owner->uid && st->st_gid == tree_owner->gid)
		return 0;
	return lchown(path, tree_owner->uid, tree_owner->gid);
}

int privdrop_own_tree(const struct privdrop_user *u, const char *dir)
{
	struct stat st;
	int ret;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		ret = -errno;
		log_err("%s: %s", dir, strerror(errno));
		return ret;
	}
	if (lstat(dir, &st) || !S_ISDIR(st.st_mode)) {
		log_err("%s: not a directory", dir);
		return -ENOTDIR;
	}
	if (st.st_uid == u->uid)
		return 0;
	if (st.st_mode & S_IWOTH) {
		log_err("%s: others may write it: not a directory to give to %s", dir, u->name);
		return -EPERM;
	}
	tree_owner = u;
	if (nftw(dir, give, 16, FTW_PHYS | FTW_MOUNT)) {
		ret = -errno;
		log_err("%s: cannot give it to %s: %s", dir, u->name, strerror(-ret));
		return ret;
	}
	log_info("%s: given to %s (it was uid %u's)", dir, u->name, (unsigned)st.st_uid);
	return 0;
}

/* The bounding set shrinks only with CAP_SETPCAP, which setuid() would take away: first. */
static int drop_bounding(void)
{
	capng_get_caps_process();
	if (!capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP))
		return 0;
	capng_clear(CAPNG_SELECT_BOUNDS);
	return capng_apply(CAPNG_SELECT_BOUNDS) ? -EPERM : 1;
}

static int become(const struct privdrop_user *u)
{
	if (getuid() == u->uid && geteuid() == u->uid && getgid() == u->gid)
		return 0;
	gid_t groups[2] = { u->gid, u->ship_gid };

	if (setgroups(u->ship_gid == (gid_t)-1 ? 1 : 2, groups) ||
	    setresgid(u->gid, u->gid, u->gid) || setresuid(u->uid, u->uid, u->uid))
		return -errno;
	return 0;
}

static int drop_caps(void)
{
	capng_clear(CAPNG_SELECT_CAPS | CAPNG_SELECT_AMBIENT);
	if (capng_apply(CAPNG_SELECT_CAPS | CAPNG_SELECT_AMBIENT))
		return -EPERM;
	capng_get_caps_process();
	return capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE ? 0 : -EPERM;
}

int privdrop_apply(const struct privdrop_user *u)
{
	int bounding = drop_bounding(), ret;

	if (bounding < 0) {
		log_err("privileges: cannot empty the bounding set");
		return bounding;
	}
	ret = become(u);
	if (ret) {
		log_err("privileges: cannot become %s (uid %u): %s", u->name, (unsigned)u->uid,
			strerror(-ret));
		return ret;
	}
	if (drop_caps()) {
		log_err("privileges: cannot drop every capability");
		return -EPERM;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		ret = -errno;
		log_err("privileges: cannot set no_new_privs");
		return ret;
	}
	log_info("privileges: running as %s (uid %u), no capabilities%s, no_new_privs set", u->name,
		 (unsigned)u->uid, bounding ? "" : " (bounding set kept: no CAP_SETPCAP)");
	if (!u->uid)
		log_warn("privileges: --user root: uid 0 still reads and writes what root may");
	return 0;
}
