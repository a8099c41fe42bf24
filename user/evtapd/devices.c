// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <linux/input-event-codes.h>
#include <linux/netlink.h>
#include <systemd/sd-device.h>
#include <systemd/sd-event.h>
#include "devices.h"

struct entry {
	struct evtap_device dev;
	char seat[DEVICES_SEAT_NAME_MAX]; /* the route last reported; "" before the first */
};

/* Open-addressing table keyed by device index; indexes are dense and small within a boot. */
struct devices {
	struct devices_opts opts;
	int udev; /* udevd runs: routes wait for its events */
	int uevent_fd;
	sd_event *event; /* the kernel's and udev's sockets, polled through one fd */
	sd_event_source *uevent_src;
	sd_device_monitor *monitor;
	struct entry *slots;
	unsigned char *used;
	size_t cap;
	size_t count;
};

static size_t slot_of(const struct devices *devs, uint32_t index)
{
	size_t i = (index * 2654435761u) & (devs->cap - 1);

	while (devs->used[i] && devs->slots[i].dev.index != index)
		i = (i + 1) & (devs->cap - 1);
	return i;
}

static int table_grow(struct devices *devs)
{
	struct devices old = *devs;

	devs->cap = old.cap ? old.cap * 2 : 64;
	devs->slots = calloc(devs->cap, sizeof(*devs->slots));
	devs->used = calloc(devs->cap, 1);
	if (!devs->slots || !devs->used) {
		free(devs->slots);
		free(devs->used);
		*devs = old;
		return -ENOMEM;
	}
	for (size_t i = 0; i < old.cap; i++) {
		if (!old.used[i])
			continue;
		size_t j = slot_of(devs, old.slots[i].dev.index);
		devs->slots[j] = old.slots[i];
		devs->used[j] = 1;
	}
	free(old.slots);
	free(old.used);
	return 0;
}

static int read_attr(const struct devices *devs, uint32_t index, const char *attr, char *buf,
		     size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/class/input/input%u/%s", devs->opts.sysfs, index, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return 0;
}

static uint16_t read_hex_attr(const struct devices *devs, uint32_t index, const char *attr)
{
	char buf[16];

	return read_attr(devs, index, attr, buf, sizeof(buf)) ? 0 : strtoul(buf, NULL, 16);
}

/* sysfs capability bitmaps are space-separated hex longs, the most significant first. */
static int bitmap_has(const char *bitmap, unsigned int bit)
{
	const char *words[64];
	int n = 0;
	unsigned int word = bit / (8 * sizeof(long));

	for (const char *p = bitmap; *p && n < 64; n++) {
		words[n] = p;
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
	if (word >= (unsigned int)n)
		return 0;
	unsigned long v = strtoul(words[n - 1 - word], NULL, 16);
	return !!(v & (1UL << (bit % (8 * sizeof(long)))));
}

static uint8_t classify(const struct devices *devs, uint32_t index)
{
	char key[1024], rel[64], abs[256];

	if (read_attr(devs, index, "capabilities/key", key, sizeof(key)))
		key[0] = '\0';
	if (read_attr(devs, index, "capabilities/rel", rel, sizeof(rel)))
		rel[0] = '\0';
	if (read_attr(devs, index, "capabilities/abs", abs, sizeof(abs)))
		abs[0] = '\0';
	if (bitmap_has(abs, ABS_X) && bitmap_has(key, BTN_TOOL_FINGER))
		return EVTAP_DEV_TOUCHPAD;
	if (bitmap_has(rel, REL_X) && bitmap_has(key, BTN_LEFT))
		return EVTAP_DEV_MOUSE;
	if (bitmap_has(key, KEY_A) && bitmap_has(key, KEY_SPACE))
		return EVTAP_DEV_KEYBOARD;
	return EVTAP_DEV_OTHER;
}

/*
 * ID_SEAT of the device's event node in the udev database (73-seat-late.rules copies it there
 * from the inputN device that logind's rules tag), or seat0. Returns 1 if udev has an entry for
 * the node, 0 if not (yet), -ENOENT if the device is gone.
 */
static int read_seat(const struct devices *devs, uint32_t index, char *seat, size_t len)
{
	char dir[256], node[64], path[320], line[256];
	struct dirent *de;
	DIR *d;
	FILE *f;

	snprintf(seat, len, "seat0");
	snprintf(dir, sizeof(dir), "%s/class/input/input%u", devs->opts.sysfs, index);
	d = opendir(dir);
	if (!d)
		return -ENOENT;
	node[0] = '\0';
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "event", 5)) {
			snprintf(path, sizeof(path), "%s/dev", de->d_name);
			if (read_attr(devs, index, path, node, sizeof(node)))
				node[0] = '\0';
			break;
		}
	closedir(d);
	if (!node[0])
		return 0;
	snprintf(path, sizeof(path), "%s/c%s", devs->opts.udev_db, node);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "E:ID_SEAT=", 10)) {
			size_t n = strcspn(line + 10, "\n");
			/* Seat names are short: "seat0", "seat-1"; a longer one would not match. */
			if (n < len) {
				memcpy(seat, line + 10, n);
				seat[n] = '\0';
			}
		}
	fclose(f);
	return 1;
}

static void route(struct devices *devs, struct entry *e, const char *seat)
{
	if (!strcmp(e->seat, seat))
		return;
	snprintf(e->seat, sizeof(e->seat), "%s", seat);
	if (devs->opts.on_seat)
		devs->opts.on_seat(devs->opts.ctx, &e->dev, seat);
}

/* Where udevd runs, a device it has no entry for yet waits for its event. */
static void route_from_db(struct devices *devs, struct entry *e)
{
	char seat[DEVICES_SEAT_NAME_MAX];
	int found = read_seat(devs, e->dev.index, seat, sizeof(seat));

	if (found >= 0)
		route(devs, e, !found && devs->udev ? DEVICES_SEAT_PENDING : seat);
}

/* The identity of inputN from sysfs, in the table; NULL if out of memory. */
static struct entry *resolve(struct devices *devs, uint32_t index)
{
	struct evtap_device dev = { .index = index };
	size_t i;

	/* A device gone before it was seen keeps its kernel name, once, not a lookup per event. */
	int gone = read_attr(devs, index, "name", dev.name, sizeof(dev.name));

	if (gone) {
		snprintf(dev.name, sizeof(dev.name), "input%u", index);
	} else {
		dev.bus = read_hex_attr(devs, index, "id/bustype");
		dev.vendor = read_hex_attr(devs, index, "id/vendor");
		dev.product = read_hex_attr(devs, index, "id/product");
		dev.class = classify(devs, index);
	}
	if (2 * (devs->count + 1) > devs->cap && table_grow(devs))
		return NULL;
	i = slot_of(devs, index);
	if (!devs->used[i])
		devs->count++;
	devs->used[i] = 1;
	/* A reused index keeps the route last reported: only a different one is reported. */
	devs->slots[i].dev = dev;
	return &devs->slots[i];
}

static struct entry *resolve_routed(struct devices *devs, uint32_t index)
{
	struct entry *e = resolve(devs, index);

	if (e)
		route_from_db(devs, e);
	return e;
}

static struct entry *get_entry(struct devices *devs, uint32_t index)
{
	if (devs->cap) {
		size_t i = slot_of(devs, index);
		if (devs->used[i])
			return &devs->slots[i];
	}
	return resolve_routed(devs, index);
}

const struct evtap_device *devices_get(struct devices *devs, uint32_t index)
{
	struct entry *e = get_entry(devs, index);

	return e ? &e->dev : NULL;
}

void devices_scan(struct devices *devs)
{
	char dir[256];
	struct dirent *de;
	unsigned int index;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/class/input", devs->opts.sysfs);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (sscanf(de->d_name, "input%u", &index) == 1)
			resolve_routed(devs, index);
	closedir(d);
}

/*
 * A kernel uevent is "action@devpath" then NUL-separated KEY=value pairs. The inputN add
 * comes before its eventM node exists, and udev's ID_SEAT is read through that node: without
 * udevd, the eventM add reads the seat again; with it, the device is pending until udev's
 * event, which always comes after the kernel's.
 */
static void handle_uevent(struct devices *devs, const char *msg, size_t len)
{
	const char *base, *parent;
	unsigned int index, node;
	struct entry *e;
	char tail;

	if (len < 5 || strncmp(msg, "add@", 4) || !memchr(msg, '\0', len))
		return;
	base = strrchr(msg, '/');
	if (!base)
		return;
	if (sscanf(base + 1, "input%u%c", &index, &tail) == 1) {
		if (!devs->udev)
			resolve_routed(devs, index);
		else if ((e = resolve(devs, index)))
			route(devs, e, DEVICES_SEAT_PENDING);
		return;
	}
	for (parent = base - 1; parent > msg && *parent != '/'; parent--)
		;
	if (!devs->udev && sscanf(base + 1, "event%u%c", &node, &tail) == 1 &&
	    sscanf(parent, "/input%u/", &index) == 1 && (e = get_entry(devs, index)))
		route_from_db(devs, e);
}

static int on_kernel_uevents(sd_event_source *s, int fd, uint32_t revents, void *ctx)
{
	char buf[8192];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
		buf[n] = '\0';
		handle_uevent(ctx, buf, (size_t)n);
	}
	return 0;
}

/* udevd is done with an eventM node: its ID_SEAT is the route of its inputN parent. */
static int on_udev_event(sd_device_monitor *m, sd_device *dev, void *ctx)
{
	const char *name, *parent_name, *seat;
	sd_device_action_t action;
	unsigned int node, index;
	sd_device *parent;
	struct entry *e;
	char tail;

	if (sd_device_get_action(dev, &action) < 0 ||
	    (action != SD_DEVICE_ADD && action != SD_DEVICE_CHANGE) ||
	    sd_device_get_sysname(dev, &name) < 0 || sscanf(name, "event%u%c", &node, &tail) != 1 ||
	    sd_device_get_parent(dev, &parent) < 0 ||
	    sd_device_get_sysname(parent, &parent_name) < 0 ||
	    sscanf(parent_name, "input%u%c", &index, &tail) != 1)
		return 0;
	e = get_entry(ctx, index);
	if (!e)
		return 0;
	if (sd_device_get_property_value(dev, "ID_SEAT", &seat) < 0 || !*seat)
		seat = "seat0";
	/* Seat names are short: "seat0", "seat-1"; a longer one would not match. */
	if (strlen(seat) < DEVICES_SEAT_NAME_MAX)
		route(ctx, e, seat);
	return 0;
}

void devices_handle_uevents(struct devices *devs)
{
	/* Each run dispatches one source, the kernel's first (its priority): until none is left. */
	while (devs->event && sd_event_run(devs->event, 0) > 0)
		;
}

static int open_uevent_socket(void)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			NETLINK_KOBJECT_UEVENT);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/*
 * udev's group: what udevd sends once it has processed a device, its properties included.
 * sd-device and sd-event return a positive value for some successes.
 */
static int open_udev_monitor(struct devices *devs)
{
	int err = sd_device_monitor_new(&devs->monitor);

	if (err >= 0)
		err = sd_device_monitor_attach_event(devs->monitor, devs->event);
	if (err >= 0)
		err = sd_device_monitor_filter_add_match_subsystem_devtype(devs->monitor, "input",
									   NULL);
	if (err >= 0)
		err = sd_device_monitor_start(devs->monitor, on_udev_event, devs);
	return err < 0 ? err : 0;
}

static int open_listeners(struct devices *devs)
{
	int err;

	devs->uevent_fd = open_uevent_socket();
	if (devs->uevent_fd < 0)
		return devs->uevent_fd;
	err = sd_event_new(&devs->event);
	if (err >= 0)
		err = sd_event_add_io(devs->event, &devs->uevent_src, devs->uevent_fd, EPOLLIN,
				      on_kernel_uevents, devs);
	if (err >= 0)
		err = sd_event_source_set_priority(devs->uevent_src, SD_EVENT_PRIORITY_IMPORTANT);
	if (err >= 0 && devs->udev)
		err = open_udev_monitor(devs);
	return err < 0 ? err : 0;
}

int devices_open(struct devices **out, const struct devices_opts *opts)
{
	struct devices *devs = calloc(1, sizeof(*devs));
	int err = 0;

	if (!devs)
		return -ENOMEM;
	devs->opts = *opts;
	devs->uevent_fd = -1;
	devs->udev = opts->udev_control && !access(opts->udev_control, F_OK);
	if (opts->listen_uevents)
		err = open_listeners(devs);
	if (err) {
		devices_close(devs);
		return err;
	}
	*out = devs;
	return 0;
}

void devices_close(struct devices *devs)
{
	if (!devs)
		return;
	sd_device_monitor_unref(devs->monitor);
	sd_event_source_unref(devs->uevent_src);
	sd_event_unref(devs->event);
	if (devs->uevent_fd >= 0)
		close(devs->uevent_fd);
	free(devs->slots);
	free(devs->used);
	free(devs);
}

int devices_fd(const struct devices *devs)
{
	return devs->event ? sd_event_get_fd(devs->event) : -1;
}

void devices_foreach(struct devices *devs, void (*fn)(void *ctx, const struct evtap_device *dev),
		     void *ctx)
{
	for (size_t i = 0; i < devs->cap; i++)
		if (devs->used[i])
			fn(ctx, &devs->slots[i].dev);
}
