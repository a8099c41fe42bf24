// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The floor of any eBPF approach: an fentry program on the function evtap hooks, doing nothing.
 * The benchmark compares bpf_stats' run time per event of evtap's program against this one.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("fentry/input_event")
int BPF_PROG(empty_input_event, struct input_dev *dev, unsigned int type, unsigned int code,
	     int value)
{
	return 0;
}
