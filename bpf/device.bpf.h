/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A device's index: the N of its "inputN" kobject name, which the input core numbers once per
 * boot and never reuses, and which names the device in /sys/class/input for the collector.
 */
#ifndef EVTAP_DEVICE_BPF_H
#define EVTAP_DEVICE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "evtap.h"

/* "input" and up to 10 digits (a __u32) and the NUL. */
#define EVTAP_DEV_NAME_LEN 16
#define EVTAP_DEV_PREFIX   5 /* strlen("input"), as input_allocate_device names every device */

static __always_inline __u32 evtap_device_index(const struct input_dev *dev)
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
 * Whether the input core will ignore this EV_KEY event: the hooks run before it, and drivers
 * such as psmouse report every button's state in every packet. Mirrors input_get_disposition():
 * an unsupported code, or a press or release of a key already in that state (repeats, value 2,
 * always pass).
 */
static __always_inline bool evtap_key_unchanged(const struct input_dev *dev, __u32 code,
						__s32 value)
{
	unsigned long keybit, key;
	__u32 word = code / 64, bit = code % 64;

	if (code > KEY_MAX)
		return true;
	if (bpf_probe_read_kernel(&keybit, sizeof(keybit), &dev->keybit[word]) ||
	    !(keybit & (1UL << bit)))
		return true;
	if (value == 2)
		return false;
	if (bpf_probe_read_kernel(&key, sizeof(key), &dev->key[word]))
		return false;
	return !!(key & (1UL << bit)) == !!value;
}

#endif /* EVTAP_DEVICE_BPF_H */
