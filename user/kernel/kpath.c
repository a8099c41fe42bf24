// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The kernel path's choice (user/kpath.h). The tracing probe (libbpf_probe_bpf_prog_type with
 * BPF_PROG_TYPE_TRACING) is not reliable: it says nothing of lockdown, of the hook being
 * traceable, or of the trampoline attach. So auto really loads and attaches an empty fentry
 * program on input_event, and falls back to kprobes when that fails.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "kpath.h"

static const char *const buffer_names[] = { "auto", "ringbuf", "perf" };
static const char *const attach_names[] = { "auto", "fentry", "kprobe" };

static int parse(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

int kpath_buffer_parse(const char *s)
{
	return parse(s, buffer_names, 3);
}

int kpath_attach_parse(const char *s)
{
	return parse(s, attach_names, 3);
}

const char *kpath_buffer_name(int buffer)
{
	return buffer >= 0 && buffer < 3 ? buffer_names[buffer] : "?";
}

const char *kpath_attach_name(int attach)
{
	return attach >= 0 && attach < 3 ? attach_names[attach] : "?";
}

int kpath_try_fentry(const struct btf *vmlinux, const char *fn)
{
	struct bpf_insn insns[] = {
		{ .code = 0xb7, .dst_reg = 0, .imm = 0 }, /* r0 = 0 */
		{ .code = 0x95 },			  /* exit */
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY);
	int id, prog, link, err;

	if (!vmlinux)
		return -ENOENT;
	id = btf__find_by_name_kind(vmlinux, fn, BTF_KIND_FUNC);
	if (id < 0)
		return -ENOENT;
	opts.attach_btf_id = (__u32)id;
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "evtap_probe", "GPL", insns, 2, &opts);
	if (prog < 0)
		return -errno;
	link = bpf_raw_tracepoint_open(NULL, prog);
	err = link < 0 ? -errno : 0;
	if (link >= 0)
		close(link);
	close(prog);
	return err;
}

void kpath_choose(int buffer, int attach, const struct btf *vmlinux, struct kpath *out)
{
	int fentry_err = kpath_try_fentry(vmlinux, "input_event");
	char bwhy[64], awhy[96];

	memset(out, 0, sizeof(*out));
	out->have_ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) > 0;
	out->tracing = !fentry_err;
	if (buffer != KPATH_BUFFER_AUTO) {
		out->buffer = buffer;
		snprintf(bwhy, sizeof(bwhy), "forced");
	} else {
		out->buffer = out->have_ringbuf ? KPATH_BUFFER_RINGBUF : KPATH_BUFFER_PERF;
		snprintf(bwhy, sizeof(bwhy), "auto: %s",
			 out->have_ringbuf ? "the kernel has it" : "no BPF ring buffer");
	}
	if (attach != KPATH_ATTACH_AUTO) {
		out->attach = attach;
		snprintf(awhy, sizeof(awhy), "forced");
	} else {
		out->attach = out->tracing ? KPATH_ATTACH_FENTRY : KPATH_ATTACH_KPROBE;
		snprintf(awhy, sizeof(awhy), "auto: %s%s",
			 out->tracing ? "a test fentry program attached" : "fentry failed: ",
			 out->tracing ? "" : strerror(-fentry_err));
	}
	snprintf(out->why, sizeof(out->why), "buffer %s (%s), attach %s (%s)",
		 kpath_buffer_name(out->buffer), bwhy, kpath_attach_name(out->attach), awhy);
}
