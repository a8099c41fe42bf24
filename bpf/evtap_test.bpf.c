// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Test wrapper around evtap_capture: a raw_tp program that BPF_PROG_TEST_RUN can drive with
 * made-up events (tests/bpf/test_capture.c), on any kernel, with the same maps as evtap.bpf.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "capture.bpf.h"
#include "display.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * args: dev, type, code, value, now (CLOCK_MONOTONIC ns; 0: read the clock). The device is
 * known by its index alone, as one without a sysfs node is.
 */
SEC("raw_tp")
int evtap_test_event(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 dev = ctx->args[0];

	evtap_capture(ctx, evtap_device_state_by_index(dev), dev, ctx->args[1], ctx->args[2],
		      ctx->args[3], ctx->args[4]);
	return 0;
}

/* args: crtc, what (enum evtap_display_what), ppm, now (CLOCK_MONOTONIC ns; 0: read the clock). */
SEC("raw_tp")
int evtap_test_display(struct bpf_raw_tracepoint_args *ctx)
{
	evtap_display_event(ctx->args[0], ctx->args[1], ctx->args[2], ctx->args[3]);
	return 0;
}
