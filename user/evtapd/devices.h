/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Input device identities (name, bus, vendor, product, class) and seats, read from sysfs and
 * the udev database as devices appear (kernel uevents), so that a device that is unplugged
 * before its events are persisted is still named.
 *
 * A seat is udev's (ID_SEAT, which udevd writes while it processes the device): a kernel
 * uevent comes before that. Where udevd runs, a device udev has not processed yet is routed
 * to DEVICES_SEAT_PENDING, a seat no one is active on, so that its events are gated, until
 * udev's own event (its netlink group, through sd-device's monitor) says where it belongs.
 * Without udevd, the kernel's uevents route as they come.
 */
#ifndef EVTAP_DEVICES_H
#define EVTAP_DEVICES_H

#include "record.h"

#define DEVICES_SEAT_NAME_MAX 32
/* Not a logind seat name (those start with "seat"): no session is ever active on it. */
#define DEVICES_SEAT_PENDING "pending"

struct devices;

/*
 * Called when a device's route changes: the udev ID_SEAT ("seat0" when absent), or
 * DEVICES_SEAT_PENDING.
 */
typedef void (*devices_seat_fn)(void *ctx, const struct evtap_device *dev, const char *seat);

struct devices_opts {
	const char *sysfs;	  /* "/sys"; tests point it at a fake tree */
	const char *udev_db;	  /* "/run/udev/data" */
	const char *udev_control; /* "/run/udev/control": there while udevd runs; NULL: none */
	int listen_uevents;	  /* kernel uevents, and udev's where udevd runs */
	devices_seat_fn on_seat;
	void *ctx;
};

int devices_open(struct devices **out, const struct devices_opts *opts);
void devices_close(struct devices *devs);

/* The fd to poll for uevents, or -1. */
int devices_fd(const struct devices *devs);
/* Reads pending uevents (the kernel's first), resolves and routes the input devices. */
void devices_handle_uevents(struct devices *devs);
/* Resolves every device present now. */
void devices_scan(struct devices *devs);

/* The identity of inputN, resolved on first use; NULL if it is gone and was never seen. */
const struct evtap_device *devices_get(struct devices *devs, uint32_t index);

/* Calls fn for every known device, in no particular order. */
void devices_foreach(struct devices *devs, void (*fn)(void *ctx, const struct evtap_device *dev),
		     void *ctx);

#endif /* EVTAP_DEVICES_H */
