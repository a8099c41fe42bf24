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

/* node_id: the device's sysfs node id, read the way the program type allows. */
static __always_inline void evtap_hook(void *ctx, const struct input_dev *dev, __u64 node_id,
				       __u32 type, __u32 code, __s32 value)
{
	struct evtap_device_state *ds = evtap_device_state(dev, node_id);

	if (type == EV_KEY && evtap_key_unchanged(dev, ds, code, value)) {
		evtap_capture_ignored();
		return;
	}
	evtap_capture(ctx, ds, ds ? ds->index : evtap_device_index(dev), type, code, value, 0);
}

SEC("fentry/input_event")
int BPF_PROG(evtap_input_event, struct input_dev *dev, unsigned int type, unsigned int code,
	     int value)
{
	evtap_hook(ctx, dev, evtap_device_node_id_btf(dev), type, code, value);
	return 0;
}

SEC("fentry/input_inject_event")
int BPF_PROG(evtap_input_inject_event, struct input_handle *handle, unsigned int type,
	     unsigned int code, int value)
{
	evtap_hook(ctx, handle->dev, evtap_device_node_id_btf(handle->dev), type, code, value);
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
	evtap_hook(ctx, dev, evtap_device_node_id(dev), type, code, value);
	return 0;
}

SEC("kprobe/input_inject_event")
int BPF_KPROBE(evtap_kp_input_inject_event, struct input_handle *handle, unsigned int type,
	       unsigned int code, int value)
{
	struct input_dev *dev = BPF_CORE_READ(handle, dev);

	evtap_hook(ctx, dev, evtap_device_node_id(dev), type, code, value);
	return 0;
}
