/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The kernel layer's test double (tests/double/kernel.c): user/kernel/kernel.h and the buffer
 * calls of user/kernel/buffer.h over plain memory, so that the daemon runs on the host without
 * BPF. The maps are arrays the tests read; records are queued by the test and delivered by
 * buffer_consume as the ring buffer would deliver them.
 */
#ifndef EVTAP_KERNEL_DOUBLE_H
#define EVTAP_KERNEL_DOUBLE_H

#include <stdbool.h>
#include "kernel.h"

#define DOUBLE_MAX_UIDS	   8192
#define DOUBLE_MAX_DEVICES 64
#define DOUBLE_MAX_QUEUE   4096

struct double_consent {
	bool present;
	struct evtap_consent c;
};

/* What the daemon loaded into the "kernel", for the tests to read and change. */
struct kernel_double {
	bool open, attached;
	struct evtap_fleet fleet;
	struct evtap_fleet fleet_at_attach; /* the policy the programs started capturing under */
	struct evtap_seat seats[EVTAP_MAX_SEATS];
	__u32 device_seat[DOUBLE_MAX_DEVICES];
	struct double_consent consent[DOUBLE_MAX_UIDS];
	int consent_entries; /* present ones: at most EVTAP_MAX_USERS, as the kernel's map */
	__u64 stats[EVTAP_STAT_MAX];
	__u64 display_stats[EVTAP_STAT_MAX];
	__u64 display_hits[EVTAP_DHOOK_MAX];
	struct evtap_counts counts[DOUBLE_MAX_UIDS]; /* cumulative, as the kernel's map */
	struct evtap_display_key display_keys[16];
	struct evtap_display display[16];
	int ndisplay;
	struct evtap_event queue[DOUBLE_MAX_QUEUE]; /* waiting in the "ring buffer" */
	int queued;
	int consent_updates; /* kernel_set_consent and kernel_clear_consent calls */
	int fail_open;	     /* kernel_open returns this when non-zero */
	/*
	 * Called after each consent map change, if set: a test sees what else the daemon has
	 * done by then (e.g. whether it has answered the request that made the change).
	 */
	void (*on_consent)(void *ctx, __u32 uid);
	void *on_consent_ctx;
};

/* The one instance: kernel_open hands out its address. */
extern struct kernel_double kernel_double;

/* Resets the double to a kernel with nothing loaded. */
void kernel_double_reset(void);

/* Queues one record as the programs would have reserved it; returns false when full. */
bool kernel_double_push(const struct evtap_event *ev);

#endif /* EVTAP_KERNEL_DOUBLE_H */
