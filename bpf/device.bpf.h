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
	unsigned long evbit;

	if (!node_id)
		return evtap_device_state_by_index(evtap_device_index(dev));
	ds = bpf_map_lookup_elem(&device_state, &node_id);
	if (ds)
		return ds;
	fresh.index = evtap_device_index(dev);
	fresh.has_keybit = !bpf_probe_read_kernel(fresh.keybit, sizeof(dev->keybit), dev->keybit);
	fresh.no_rel = !bpf_probe_read_kernel(&evbit, sizeof(evbit), dev->evbit) &&
		       !(evbit & (1UL << EV_REL));
	return evtap_get_or_create(&device_state, &node_id, &fresh);
}

/*
 * The hook's cached device (maps.bpf.h), when it is this one and the event needs no more than
 * the cache holds: a key's index and keys, or a SYN_REPORT, which has no frame to flush.
 */
static __always_inline struct evtap_device_cache *evtap_cached(__u32 hook, __u64 node_id,
							       __u32 type)
{
	struct evtap_device_cache *c;

	if (!node_id || (type != EV_KEY && type != EV_SYN))
		return NULL;
	c = bpf_map_lookup_elem(&device_cache, &hook);
	return c && c->node_id == node_id ? c : NULL;
}

/* Makes the device the hook's cached one, if it cannot report REL events. */
static __always_inline void evtap_cache(__u32 hook, __u64 node_id,
					const struct evtap_device_state *ds)
{
	struct evtap_device_cache *c;
	int i;

	if (!node_id || !ds || !ds->no_rel || !ds->has_keybit)
		return;
	c = bpf_map_lookup_elem(&device_cache, &hook);
	if (!c)
		return;
	c->node_id = node_id;
	c->index = ds->index;
	for (i = 0; i < EVTAP_KEY_WORDS; i++)
		c->keybit[i] = ds->keybit[i];
}

/*
 * Whether the input core will ignore this EV_KEY event: the hooks run before it, and drivers
 * such as psmouse report every button's state in every packet. Mirrors input_get_disposition():
 * an unsupported code, or a press or release of a key already in that state (repeats, value 2,
 * always pass). keybit is the copy of the device's keys, NULL to read them from the device.
 */
static __always_inline bool evtap_key_unchanged(const struct input_dev *dev, const __u64 *keybit,
						__u32 code, __s32 value)
{
	__u32 word = code / 64;
	__u64 mask = 1ULL << (code % 64);
	unsigned long key;

	if (code > KEY_MAX)
		return true;
	/* word is below 12, which the verifier may not see through the compiler's copies. */
	if (keybit ? !(keybit[word & (EVTAP_KEY_WORDS - 1)] & mask)
		   : bpf_probe_read_kernel(&key, sizeof(key), &dev->keybit[word]) || !(key & mask))
		return true;
	if (value == 2)
		return false;
	if (bpf_probe_read_kernel(&key, sizeof(key), &dev->key[word]))
		return false;
	return !!(key & mask) == !!value;
}

#endif /* EVTAP_DEVICE_BPF_H */
