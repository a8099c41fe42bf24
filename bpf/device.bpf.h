/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which device an event comes from. Its index is the N of its "inputN" kobject name, which the
 * input core numbers once per boot and never reuses, and which names the device in
 * /sys/class/input for the collector; reading and parsing that name is the dearest step of an
 * event, so it is done once per device and kept in the device's state (maps.bpf.h).
 */
#ifndef EVTAP_DEVICE_BPF_H
#define EVTAP_DEVICE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "evtap.h"
#include "capture.bpf.h"

/* "input" and up to 10 digits (a __u32) and the NUL. */
#define EVTAP_DEV_NAME_LEN 16
#define EVTAP_DEV_PREFIX   5 /* strlen("input"), as input_allocate_device names every device */

/* Not inlined: it runs once per device, and its callers are many. */
static __noinline __u32 evtap_device_index(const struct input_dev *dev)
{
	char name[EVTAP_DEV_NAME_LEN];
	__u32 n = 0;
	int i;

	/*
	 * kobj.name is a plain pointer to kernel memory, read through the helper; so is the
	 * pointer itself, as a kprobe holds dev as a plain number.
	 */
	if (bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(dev, dev.kobj.name)) <=
	    EVTAP_DEV_PREFIX)
		return EVTAP_DEV_UNKNOWN;
	for (i = EVTAP_DEV_PREFIX; i < EVTAP_DEV_NAME_LEN; i++) {
		if (name[i] < '0' || name[i] > '9')
			break;
		n = n * 10 + (name[i] - '0');
	}
	return n;
}

/*
 * The device's sysfs node id, 0 when it has none (not yet registered, or being removed). A
 * fentry program reads it directly (dev is typed, and a faulting read yields 0); a kprobe
 * through the probe-read helper, and not at all before Linux 5.5, where the id was a union.
 */
static __always_inline __u64 evtap_device_node_id_btf(const struct input_dev *dev)
{
	return dev->dev.kobj.sd->id;
}

static __always_inline __u64 evtap_device_node_id(const struct input_dev *dev)
{
	if (!bpf_core_field_exists(struct kernfs_node, id))
		return 0;
	return BPF_CORE_READ(dev, dev.kobj.sd, id);
}

/*
 * The device's state, found by its node id: its "inputN" name and its keys are read only when
 * the device is first seen. NULL when the map cannot take it.
 */
static __always_inline struct evtap_device_state *evtap_device_state(const struct input_dev *dev,
								     __u64 node_id)
{
	struct evtap_device_state fresh = {}, *ds;

	if (!node_id)
		return evtap_device_state_by_index(evtap_device_index(dev));
	ds = bpf_map_lookup_elem(&device_state, &node_id);
	if (ds)
		return ds;
	fresh.index = evtap_device_index(dev);
	fresh.has_keybit = !bpf_probe_read_kernel(fresh.keybit, sizeof(fresh.keybit), dev->keybit);
	return evtap_get_or_create(&device_state, &node_id, &fresh);
}

/* Whether the device supports the key: from the copy in its state, if it has one. */
static __always_inline bool evtap_key_supported(const struct input_dev *dev,
						const struct evtap_device_state *ds, __u32 word,
						__u64 mask)
{
	unsigned long keybit;

	if (ds && ds->has_keybit)
		return ds->keybit[word] & mask;
	return !bpf_probe_read_kernel(&keybit, sizeof(keybit), &dev->keybit[word]) &&
	       (keybit & mask);
}

/*
 * Whether the input core will ignore this EV_KEY event: the hooks run before it, and drivers
 * such as psmouse report every button's state in every packet. Mirrors input_get_disposition():
 * an unsupported code, or a press or release of a key already in that state (repeats, value 2,
 * always pass). ds is the device's state, NULL when it has none.
 */
static __always_inline bool evtap_key_unchanged(const struct input_dev *dev,
						const struct evtap_device_state *ds, __u32 code,
						__s32 value)
{
	__u32 word = code / 64;
	__u64 mask = 1ULL << (code % 64);
	unsigned long key;

	if (code > KEY_MAX || !evtap_key_supported(dev, ds, word, mask))
		return true;
	if (value == 2)
		return false;
	if (bpf_probe_read_kernel(&key, sizeof(key), &dev->key[word]))
		return false;
	return !!(key & mask) == !!value;
}

#endif /* EVTAP_DEVICE_BPF_H */
