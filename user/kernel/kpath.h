/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The kernel path: which buffer the records cross (the BPF ring buffer, or the perf buffer on
 * kernels before 5.8) and how the programs attach (fentry, or kprobes where fentry is missing
 * or refused). --buffer and --attach force one; auto picks what the running kernel offers.
 */
#ifndef EVTAP_KPATH_H
#define EVTAP_KPATH_H

#include <stdbool.h>

struct btf;

enum kpath_buffer { KPATH_BUFFER_AUTO, KPATH_BUFFER_RINGBUF, KPATH_BUFFER_PERF };
enum kpath_attach { KPATH_ATTACH_AUTO, KPATH_ATTACH_FENTRY, KPATH_ATTACH_KPROBE };

/* "auto", "ringbuf", "perf"; -1 for anything else. */
int kpath_buffer_parse(const char *s);
/* "auto", "fentry", "kprobe"; -1 for anything else. */
int kpath_attach_parse(const char *s);
const char *kpath_buffer_name(int buffer);
const char *kpath_attach_name(int attach);

struct kpath {
	int buffer;	   /* KPATH_BUFFER_RINGBUF or KPATH_BUFFER_PERF */
	int attach;	   /* KPATH_ATTACH_FENTRY or KPATH_ATTACH_KPROBE */
	bool tracing;	   /* a fentry program loads and attaches here (the display hooks) */
	bool have_ringbuf; /* the kernel has BPF_MAP_TYPE_RINGBUF */
	char why[256];	   /* why, for the log: "forced", or what auto found */
};

/*
 * Resolves auto against the running kernel: the ring buffer if the kernel can create one,
 * else the perf buffer; fentry if a test fentry program on input_event really loads and
 * attaches (vmlinux may be NULL: no BTF, so no fentry), else kprobes. Forced choices are kept
 * as they are, even when the kernel lacks them: the load then fails and says why.
 */
void kpath_choose(int buffer, int attach, const struct btf *vmlinux, struct kpath *out);

/* Loads and attaches an empty fentry program on fn, then closes it; 0 or -errno. */
int kpath_try_fentry(const struct btf *vmlinux, const char *fn);

#endif /* EVTAP_KPATH_H */
