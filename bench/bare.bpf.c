// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The floor of any eBPF capture: an fentry program on the function evtap hooks that reserves
 * one 32-byte record (evtap's own) in a 1 MiB ring buffer, fills it with the event and the
 * time, and submits it, nothing else: no filter, no gate, no counter. The benchmark measures
 * evtap's program against it. Submitted without a wakeup: its loader polls every 250 ms, as
 * evtap's collector does below its wakeup threshold.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "evtap.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} records SEC(".maps");

SEC("fentry/input_event")
int BPF_PROG(bare_input_event, struct input_dev *dev, unsigned int type, unsigned int code,
	     int value)
{
	struct evtap_event *e = bpf_ringbuf_reserve(&records, sizeof(*e), 0);

	if (!e)
		return 0;
	*e = (struct evtap_event){
		.ts_ns = bpf_ktime_get_ns(),
		.kind = type,
		.code = code,
		.value = value,
	};
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}
