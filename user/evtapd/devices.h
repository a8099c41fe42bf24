/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Input device identities (name, bus, vendor, product, class) and seats, read from sysfs and
 * the udev database as devices appear (kernel uevents), so that a device that is unplugged
 * before its events are persisted is still named.
 */
#ifndef EVTAP_DEVICES_H
#define EVTAP_DEVICES_H

#include "record.h"

#define DEVICES_SEAT_NAME_MAX 32

struct devices;

/* Called when a device is first resolved, with the udev ID_SEAT ("seat0" when absent). */
typedef void (*devices_seat_fn)(void *ctx, uint32_t index, const char *seat);

struct devices_opts {
	const char *sysfs;   /* "/sys"; tests point it at a fake tree */
	const char *udev_db; /* "/run/udev/data" */
	int listen_uevents;  /* open a NETLINK_KOBJECT_UEVENT socket */
	devices_seat_fn on_seat;
	void *ctx;
};

int devices_open(struct devices **out, const struct devices_opts *opts);
void devices_close(struct devices *devs);

/* The uevent socket to poll, or -1. */
int devices_fd(const struct devices *devs);
/* Reads pending uevents and resolves the input devices they add. */
void devices_handle_uevents(struct devices *devs);
/* Resolves every device present now. */
void devices_scan(struct devices *devs);

/* The identity of inputN, resolved on first use; NULL if it is gone and was never seen. */
const struct evtap_device *devices_get(struct devices *devs, uint32_t index);

/* Calls fn for every known device, in no particular order. */
void devices_foreach(struct devices *devs, void (*fn)(void *ctx, const struct evtap_device *dev),
		     void *ctx);

#endif /* EVTAP_DEVICES_H */
