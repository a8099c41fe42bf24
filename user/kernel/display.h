/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Display activity (docs/DISPLAY.md): which display hooks the running kernel has, and the
 * per-interval records built from the kernel's cumulative "display" map.
 */
#ifndef EVTAP_DISPLAY_H
#define EVTAP_DISPLAY_H

#include <stdbool.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "counters.h"

struct daemon;
struct kernel;

/* Whether prog is a display program (optional: the kernel may not have its hook). */
bool display_is_program(const struct bpf_program *prog);

/*
 * Before load: looks up each display program's hook in the kernel's BTF (vmlinux and the
 * modules loaded now), disables the programs whose hook is missing and logs what will be
 * attached and what not. Never fails: a kernel without DRM just records no display activity.
 */
void display_probe(struct bpf_object *obj, const struct btf *vmlinux);

/* Makes one display record per {uid, crtc} that changed since the last call. */
void collector_take_display(struct daemon *d);

/* Adds the probe's answer to a stats reply: "display_hooks": {"attached": [..], "missing": [..]}.
 */
void display_hooks_json(json_object *o);

/*
 * The display counters, for counters_walk: "display" (the display events' outcomes, as
 * "kernel" for input) and "display_hooks.hits" (entries of each hook).
 */
void display_counters_walk(struct kernel *k, counter_fn fn, void *ctx);

#endif /* EVTAP_DISPLAY_H */
