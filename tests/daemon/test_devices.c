// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Device identities from a fake sysfs and udev database: names, classes and seats. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "check.h"
#include "devices.h"

static char root[] = "/tmp/evtap-devices-XXXXXX";
static char seats[16][32];

static void put(const char *rel, const char *text)
{
	char path[512], cmd[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	if (system(cmd))
		return;
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void fake_device(int n, const char *name, const char *key, const char *rel, const char *abs)
{
	char rel_path[128];

#define ATTR(a, v)                                                                                 \
	do {                                                                                       \
		snprintf(rel_path, sizeof(rel_path), "sys/class/input/input%d/%s", n, a);          \
		put(rel_path, v);                                                                  \
	} while (0)
	ATTR("name", name);
	ATTR("id/bustype", "0011\n");
	ATTR("id/vendor", "0001\n");
	ATTR("id/product", "0001\n");
	ATTR("capabilities/key", key);
	ATTR("capabilities/rel", rel);
	ATTR("capabilities/abs", abs);
#undef ATTR
}

static void on_seat(void *ctx, const struct evtap_device *dev, const char *seat)
{
	if (dev->index < 16)
		snprintf(seats[dev->index], sizeof(seats[dev->index]), "%s", seat);
}

/* udevd "runs" when control names a file that exists. */
static struct devices *open_fake_udev(const char *control)
{
	static char sysfs[64], udev[64]; /* devices keeps the pointers */
	struct devices_opts opts = {
		.sysfs = sysfs, .udev_db = udev, .udev_control = control, .on_seat = on_seat
	};
	struct devices *devs = NULL;

	snprintf(sysfs, sizeof(sysfs), "%s/sys", root);
	snprintf(udev, sizeof(udev), "%s/udev", root);
	devices_open(&devs, &opts);
	return devs;
}

static struct devices *open_fake(void)
{
	return open_fake_udev(NULL);
}

static void test_classes(void)
{
	struct devices *devs;

	/* KEY_A (30) and KEY_SPACE (57) in the first 64-bit word. */
	fake_device(1, "AT Translated Set 2 keyboard\n", "7 ff000000 200000040000000\n", "0\n",
		    "0\n");
	/* BTN_LEFT is bit 272: word 4, bit 16; REL_X bit 0. */
	fake_device(2, "ImExPS/2 Generic Explorer Mouse\n", "70000 0 0 0 0\n", "143\n", "0\n");
	/* BTN_TOOL_FINGER is bit 325: word 5, bit 5; ABS_X bit 0. */
	fake_device(3, "SynPS/2 Synaptics TouchPad\n", "20 10000 0 0 0 0\n", "0\n", "3\n");
	fake_device(4, "Power Button\n", "10000000000000 0\n", "0\n", "0\n");
	devs = open_fake();
	CHECK(devs);
	devices_scan(devs);
	CHECK_EQ(devices_get(devs, 1)->class, EVTAP_DEV_KEYBOARD);
	CHECK(!strcmp(devices_get(devs, 1)->name, "AT Translated Set 2 keyboard"));
	CHECK_EQ(devices_get(devs, 1)->bus, 0x11);
	CHECK_EQ(devices_get(devs, 2)->class, EVTAP_DEV_MOUSE);
	CHECK_EQ(devices_get(devs, 3)->class, EVTAP_DEV_TOUCHPAD);
	CHECK_EQ(devices_get(devs, 4)->class, EVTAP_DEV_OTHER);
	devices_close(devs);
}

static void test_seat_from_udev(void)
{
	struct devices *devs;

	fake_device(5, "seat1 keyboard\n", "0\n", "0\n", "0\n");
	put("sys/class/input/input5/event7/dev", "13:71\n");
	put("udev/c13:71", "S:input/by-path/x\nE:ID_SEAT=seat1\nE:ID_INPUT=1\n");
	fake_device(6, "seat0 keyboard\n", "0\n", "0\n", "0\n");
	devs = open_fake();
	devices_get(devs, 5);
	devices_get(devs, 6);
	CHECK(!strcmp(seats[5], "seat1"), "%s", seats[5]);
	CHECK(!strcmp(seats[6], "seat0"), "%s", seats[6]);
	devices_close(devs);
}

/*
 * Where udevd runs, a device it has not processed (no database entry for its node yet) is
 * pending, gated, until udev's event routes it; one it has processed is routed at once.
 */
static void test_pending_until_udev_processed(void)
{
	char control[128];
	struct devices *devs;

	snprintf(control, sizeof(control), "%s/udev-control", root);
	put("udev-control", "");
	fake_device(8, "hotplugged keyboard\n", "0\n", "0\n", "0\n");
	put("sys/class/input/input8/event9/dev", "13:73\n");
	fake_device(9, "processed keyboard\n", "0\n", "0\n", "0\n");
	put("sys/class/input/input9/event10/dev", "13:74\n");
	put("udev/c13:74", "E:ID_SEAT=seat1\n");
	devs = open_fake_udev(control);
	devices_scan(devs);
	CHECK(!strcmp(seats[8], DEVICES_SEAT_PENDING), "%s", seats[8]);
	CHECK(!strcmp(seats[9], "seat1"), "%s", seats[9]);
	devices_close(devs);
	/* Without udevd nothing will ever write that entry: seat0. */
	devs = open_fake_udev("/nonexistent/udev/control");
	devices_get(devs, 8);
	CHECK(!strcmp(seats[8], "seat0"), "%s", seats[8]);
	devices_close(devs);
}

static void test_gone_device_keeps_kernel_name(void)
{
	struct devices *devs = open_fake();
	const struct evtap_device *d = devices_get(devs, 77);

	CHECK(d && !strcmp(d->name, "input77"));
	CHECK(devices_get(devs, 77) == d); /* cached: no second sysfs lookup */
	devices_close(devs);
}

int main(void)
{
	if (!mkdtemp(root))
		return 1;
	RUN(test_classes);
	RUN(test_seat_from_udev);
	RUN(test_pending_until_udev_processed);
	RUN(test_gone_device_keeps_kernel_name);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	CHECK_EQ(system(cmd), 0);
	CHECK_EXIT();
}
