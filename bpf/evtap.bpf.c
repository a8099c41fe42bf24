// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The capture programs: every input event a driver reports (input_event) or a handler injects
 * (input_inject_event, e.g. a write to an evdev node) goes through evtap_capture.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "capture.bpf.h"
#include "device.bpf.h"
/* Display activity: programs whose hook the kernel lacks are not loaded (user/display.c). */
#include "display_hooks.bpf.h"

/* GPL: bpf_probe_read_kernel_str and the tracing program type require it. */
char LICENSE[] SEC("license") = "GPL";

/*
 * hook: an enum evtap_hook_id; node_id: the device's sysfs node id, read the way the program
 * type allows. A cached device's events need no state: a device that cannot report REL events
 * has no frame.
 */
static __always_inline void evtap_hook(void *ctx, __u32 hook, const struct input_dev *dev,
				       __u64 node_id, __u32 type, __u32 code, __s32 value)
{
	struct evtap_device_cache *c = evtap_cached(hook, node_id, type);
	struct evtap_device_state *ds = NULL;
	const __u64 *keybit = NULL;
	__u32 index;

	if (c) {
		keybit = c->keybit;
		index = c->index;
	} else {
		ds = evtap_device_state(dev, node_id);
		evtap_cache(hook, node_id, ds);
		if (ds && ds->has_keybit)
			keybit = ds->keybit;
		index = ds ? ds->index : evtap_device_index(dev);
	}
	if (type == EV_KEY && evtap_key_unchanged(dev, keybit, code, value)) {
		evtap_capture_ignored();
		return;
	}
	evtap_capture(ctx, ds, index, type, code, value, 0);
}

SEC("fentry/input_event")
int BPF_PROG(evtap_input_event, struct input_dev *dev, unsigned int type, unsigned int code,
	     int value)
{
	evtap_hook(ctx, EVTAP_HOOK_EVENT, dev, evtap_device_node_id_btf(dev), type, code, value);
	return 0;
}

SEC("fentry/input_inject_event")
int BPF_PROG(evtap_input_inject_event, struct input_handle *handle, unsigned int type,
	     unsigned int code, int value)
{
	evtap_hook(ctx, EVTAP_HOOK_INJECT, handle->dev, evtap_device_node_id_btf(handle->dev), type,
		   code, value);
	return 0;
}

/*
 * The kprobe twins, for kernels where fentry is missing or refused (--attach kprobe): the same
 * logic, with the arguments read from pt_regs and every pointer followed through the
 * probe-read helpers. Userspace loads either these or the fentry programs, never both.
 */
SEC("kprobe/input_event")
int BPF_KPROBE(evtap_kp_input_event, struct input_dev *dev, unsigned int type, unsigned int code,
	       int value)
{
	evtap_hook(ctx, EVTAP_HOOK_EVENT, dev, evtap_device_node_id(dev), type, code, value);
	return 0;
}

SEC("kprobe/input_inject_event")
int BPF_KPROBE(evtap_kp_input_inject_event, struct input_handle *handle, unsigned int type,
	       unsigned int code, int value)
{
	struct input_dev *dev = BPF_CORE_READ(handle, dev);

	evtap_hook(ctx, EVTAP_HOOK_INJECT, dev, evtap_device_node_id(dev), type, code, value);
	return 0;
}
