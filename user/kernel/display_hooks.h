/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The display programs (docs/DISPLAY.md) are optional: the kernel may lack their hooks. Which
 * ones it has is found before load, so that the others are not loaded. Internal to the kernel
 * layer: the daemon sees the answer through kernel_display_hooks().
 */
#ifndef EVTAP_DISPLAY_HOOKS_H
#define EVTAP_DISPLAY_HOOKS_H

#include <stdbool.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "kernel.h"

/* Whether prog is a display program. */
bool display_is_program(const struct bpf_program *prog);

/*
 * Before load: looks up each display program's hook in the kernel's BTF (vmlinux and the
 * modules loaded now), disables the programs whose hook is missing, fills out and logs what
 * will be attached and what not. Never fails: a kernel without DRM just records no display
 * activity.
 */
void display_probe(struct bpf_object *obj, const struct btf *vmlinux,
		   struct kernel_display_hooks *out);

#endif /* EVTAP_DISPLAY_HOOKS_H */
