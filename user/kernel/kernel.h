/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The kernel layer's interface, the only way to the BPF programs (user/kernel/loader.c is the
 * only code that sees their skeleton, in a short-lived child: loader.h; tests/double/kernel.c
 * stands in for the layer in the daemon's host tests). The lifecycle: open and load
 * (kernel_open, with the privileges that loading needs), fill the maps with consent, seats and
 * device routes (no privilege needed), only then attach (kernel_attach), so that no event is
 * ever captured under a policy the collector has not loaded yet; on shutdown detach, drain the
 * ring buffer and read the counters one last time, then close.
 */
#ifndef EVTAP_KERNEL_H
#define EVTAP_KERNEL_H

#include <stdbool.h>
#include <sys/types.h>
#include "buffer.h"
#include "evtap.h"

/*
 * kernel_open's answer when the running kernel cannot host the programs (no BTF, no hook
 * function, a forced --buffer ringbuf without the BPF ring buffer): the message already names
 * what is missing. Outside errno's range.
 */
#define KERNEL_EUNSUPPORTED (-10000)

struct kernel;

struct kernel_opts {
	struct evtap_fleet fleet; /* the policy in force from the first event on */
	__u32 ringbuf_bytes;	  /* 0: 4 MiB; else a power of two, at least a page */
	int buffer;		  /* enum kpath_buffer: auto, ringbuf or perf (user/kpath.h) */
	int attach;		  /* enum kpath_attach: auto, fentry or kprobe */
	bool verbose;		  /* libbpf's info and debug messages too, not only warnings */
	/*
	 * NULL, or a bpffs directory (0700) where the maps are pinned at load and the links at
	 * attach, for bpftool; pins found there at start-up (a crash) are replaced, and
	 * kernel_detach and kernel_close remove them.
	 */
	const char *pin_dir;
	uid_t pin_uid; /* who pin_dir is given to: the user that the daemon runs as */
	gid_t pin_gid;
};

/*
 * Loads the programs in a child (which parses the kernel's BTF, so that this process never
 * holds it) without attaching them; the child waits for kernel_attach. Needs CAP_BPF and
 * CAP_PERFMON; after it, nothing here does but the perf buffer's kernel_buffer. Returns 0,
 * KERNEL_EUNSUPPORTED or a negative errno; the reason has been logged.
 */
int kernel_open(struct kernel **k, const struct kernel_opts *opts);

/*
 * Starts capturing: the child attaches, hands over the links and exits. Call after the maps
 * hold the consent, the seats and the device routes; no privilege needed here.
 */
int kernel_attach(struct kernel *k);

/* Stops capturing; the maps and the ring buffer stay readable for a last drain. */
void kernel_detach(struct kernel *k);

/* Detaches if needed and frees everything; k may be NULL. Free the ring buffer first. */
void kernel_close(struct kernel *k);

/*
 * The buffer over the records (struct evtap_event), ring or perf as the kernel path chose, for
 * the caller to poll, consume and free (user/buffer.h). The perf buffer opens perf events:
 * call it while CAP_PERFMON is held. Wakeups are batched by wakeup_bytes
 * (the ring buffer reads fleet.wakeup_bytes live; the perf buffer's watermark is set here):
 * poll with a timeout and consume after every wait, timed out or not, or records wait until
 * the next batch.
 */
int kernel_buffer(struct kernel *k, buffer_sample_fn fn, void *ctx, __u32 wakeup_bytes,
		  struct evtap_buffer **b);

/* The kernel path in use: "ringbuf" or "perf", and "fentry" or "kprobe". */
const char *kernel_buffer_name(const struct kernel *k);
const char *kernel_attach_name(const struct kernel *k);

/* Takes effect from the next event on; each field is read as a whole. */
void kernel_set_fleet(struct kernel *k, const struct evtap_fleet *fleet);

/* seat < EVTAP_MAX_SEATS; seat0 is 0. */
int kernel_set_seat(struct kernel *k, __u32 seat, const struct evtap_seat *s);

/* Routes device inputN to a seat; seat 0 removes the route: call it when the device goes away. */
int kernel_set_device_seat(struct kernel *k, __u32 dev, __u32 seat);

int kernel_set_consent(struct kernel *k, __u32 uid, const struct evtap_consent *c);

/* The user is back to never having chosen: the fleet's default consent applies. */
int kernel_clear_consent(struct kernel *k, __u32 uid);

/* The outcome counters, indexed by enum evtap_stat, summed over CPUs. */
int kernel_read_stats(struct kernel *k, __u64 out[EVTAP_STAT_MAX]);

/*
 * The display programs' counters, summed over CPUs: stats by enum evtap_stat (as
 * kernel_read_stats for input), hits by enum evtap_dhook (entries of each hook, before any gate).
 */
int kernel_read_display_stats(struct kernel *k, __u64 stats[EVTAP_STAT_MAX],
			      __u64 hits[EVTAP_DHOOK_MAX]);

/*
 * Events that never entered the programs, so are in no counter: a program does not run again
 * on a CPU where it is already running, e.g. when a keyboard interrupt arrives while it
 * handles an injected event. The kernel counts these as the programs' recursion misses.
 */
int kernel_read_misses(struct kernel *k, __u64 *misses);

typedef void (*kernel_counts_fn)(void *ctx, __u32 uid, const struct evtap_counts *counts);

/* Calls fn with each user's cumulative level-counts aggregates, summed over CPUs. */
int kernel_read_counts(struct kernel *k, kernel_counts_fn fn, void *ctx);

typedef void (*kernel_display_fn)(void *ctx, const struct evtap_display_key *key,
				  const struct evtap_display *totals);

/* Calls fn with each {uid, crtc}'s cumulative display aggregates, summed over CPUs. */
int kernel_read_display(struct kernel *k, kernel_display_fn fn, void *ctx);

#define KERNEL_HOOKS_MAX     16
#define KERNEL_HOOK_NAME_MAX 64

/* Which display hooks the running kernel has (the others' programs are not loaded). */
struct kernel_display_hooks {
	char attached[KERNEL_HOOKS_MAX][KERNEL_HOOK_NAME_MAX];
	char missing[KERNEL_HOOKS_MAX][KERNEL_HOOK_NAME_MAX];
	int nattached, nmissing;
};

const struct kernel_display_hooks *kernel_display_hooks(const struct kernel *k);

#endif /* EVTAP_KERNEL_H */
