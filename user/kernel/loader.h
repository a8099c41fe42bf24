/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The kernel layer's two halves and what passes between them. The loader (loader.c, the only
 * code that sees the skeleton) runs in a child that kernel_open forks: it parses the kernel's
 * BTF, loads the programs and sends the map and program descriptors over a socketpair
 * (SCM_RIGHTS); on kernel_attach it attaches, sends the link descriptors and exits. The
 * runtime (kernel.c) works on those descriptors only, so the long-lived daemon never holds
 * the libbpf object, the BTF or the capabilities that loading needs.
 */
#ifndef EVTAP_LOADER_H
#define EVTAP_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "kernel.h"
#include "kpath.h"

/* The map descriptors, in this order, first in the loaded message. */
enum loader_map {
	LOADER_MAP_EVENTS,
	LOADER_MAP_CONSENT,
	LOADER_MAP_SEATS,
	LOADER_MAP_DEVICE_SEATS,
	LOADER_MAP_STATS,
	LOADER_MAP_COUNTS,
	LOADER_MAP_DISPLAY,
	LOADER_MAP_DISPLAY_STATS,
	LOADER_MAP_DISPLAY_HITS,
	LOADER_MAP_DATA, /* .data: the fleet policy */
	LOADER_MAP_BSS,	 /* .bss: devices_routed */
	LOADER_MAP_MAX
};

/* Descriptors in one message: far below the kernel's SCM_MAX_FD (253). */
#define LOADER_FDS_MAX 96

/*
 * The loader's first answer; then LOADER_MAP_MAX map fds, nprogs program fds and, when pinned,
 * the pin directory's: the daemon removes the pins through it, as it may not be able to
 * reach the directory by its path (/sys/fs/bpf is root's only under systemd).
 */
struct loader_loaded {
	int err; /* 0, KERNEL_EUNSUPPORTED or -errno; no fds with an error */
	struct kpath path;
	struct kernel_display_hooks hooks;
	__u32 data_size, bss_size;   /* the values of .data and .bss, which the runtime maps */
	__u32 fleet_off, routed_off; /* where fleet and devices_routed are in them */
	int nprogs;
	bool pinned;
};

/* The answer to the attach request (one byte); then nlinks link fds. */
struct loader_attached {
	int err;
	int nlinks;
};

/* In the child: loads, answers, waits for the attach request, answers; the exit status. */
int loader_run(const struct kernel_opts *opts, int sock);

/* One message with up to LOADER_FDS_MAX descriptors; 0 or -errno. */
int loader_send(int sock, const void *msg, size_t len, const int *fds, int nfds);

/* One message of exactly len bytes, its descriptors into fds; 0 or -errno (-EPROTO: short). */
int loader_recv(int sock, void *msg, size_t len, int *fds, int *nfds);

/* Unlinks the pins in the directory dir_fd whose names start with prefix; how many, or -errno. */
int loader_unpin(int dir_fd, const char *prefix);

#endif /* EVTAP_LOADER_H */
