// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Display activity on the collector's side. The probe runs once per process, before the
 * skeleton loads; its answer is kept here for the stats reply.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "clock.h"
#include "counters.h"
#include "daemon.h"
#include "display.h"
#include "evtap_policy.h"
#include "kernel.h"
#include "log.h"
#include "names.h"

#define PROG_PREFIX "evtap_display_"
#define MAX_HOOKS   16
#define HOOK_MAX    64

static const char *const hook_names[EVTAP_DHOOK_MAX] = {
	[EVTAP_DHOOK_ATOMIC_COMMIT] = "drm_atomic_commit",
	[EVTAP_DHOOK_ATOMIC_NONBLOCKING_COMMIT] = "drm_atomic_nonblocking_commit",
	[EVTAP_DHOOK_FB_HELPER_DAMAGE_WORK] = "drm_fb_helper_damage_work",
	[EVTAP_DHOOK_DIRTYFB_IOCTL] = "drm_mode_dirtyfb_ioctl",
	[EVTAP_DHOOK_VBLANK_EVENT_DELIVERED] = "drm_vblank_event_delivered",
};

static struct {
	char attached[MAX_HOOKS][HOOK_MAX];
	char missing[MAX_HOOKS][HOOK_MAX];
	int nattached, nmissing;
} probe;

bool display_is_program(const struct bpf_program *prog)
{
	return !strncmp(bpf_program__name(prog), PROG_PREFIX, strlen(PROG_PREFIX));
}

/* "fentry/F" needs function F; "tp_btf/T" needs the typedef btf_trace_T. */
static int hook_of(const struct bpf_program *prog, char *name, size_t size, const char **hook)
{
	const char *sec = bpf_program__section_name(prog), *slash = strchr(sec, '/');

	if (!slash)
		return -1;
	*hook = slash + 1;
	if (!strncmp(sec, "tp_btf/", 7)) {
		snprintf(name, size, "btf_trace_%s", *hook);
		return BTF_KIND_TYPEDEF;
	}
	snprintf(name, size, "%s", *hook);
	return BTF_KIND_FUNC;
}

/* Whether each hook is in vmlinux's BTF or a loaded module's. found[] is by program order. */
static void find_hooks(struct bpf_object *obj, const struct btf *vmlinux, bool *found)
{
	struct bpf_program *prog;
	char name[HOOK_MAX + 16], path[300];
	const char *hook;
	struct dirent *e;
	struct btf *mod;
	DIR *dir;
	int i, kind, left = 0;

	i = 0;
	bpf_object__for_each_program(prog, obj)
	{
		if (display_is_program(prog) && i < MAX_HOOKS) {
			kind = hook_of(prog, name, sizeof(name), &hook);
			found[i] = kind >= 0 && btf__find_by_name_kind(vmlinux, name, kind) >= 0;
			left += !found[i];
			i++;
		}
	}
	dir = left ? opendir("/sys/kernel/btf") : NULL;
	while (dir && left && (e = readdir(dir))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "vmlinux"))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/btf/%s", e->d_name);
		mod = btf__parse_split(path, (struct btf *)vmlinux);
		if (!mod)
			continue;
		i = 0;
		bpf_object__for_each_program(prog, obj)
		{
			if (!display_is_program(prog) || i >= MAX_HOOKS)
				continue;
			kind = hook_of(prog, name, sizeof(name), &hook);
			if (!found[i] && kind >= 0 &&
			    btf__find_by_name_kind(mod, name, kind) >= 0) {
				found[i] = true;
				left--;
			}
			i++;
		}
		btf__free(mod);
	}
	if (dir)
		closedir(dir);
}

static void join(char *out, size_t size, char list[][HOOK_MAX], int n)
{
	size_t len = 0;

	out[0] = 0;
	for (int i = 0; i < n && len < size; i++)
		len += snprintf(out + len, size - len, "%s%s", i ? ", " : "", list[i]);
	if (!n)
		snprintf(out, size, "none");
}

void display_probe(struct bpf_object *obj, const struct btf *vmlinux)
{
	bool found[MAX_HOOKS] = { false };
	struct bpf_program *prog;
	char name[HOOK_MAX + 16], attached[512], missing[512];
	const char *hook;
	int i = 0;

	memset(&probe, 0, sizeof(probe));
	find_hooks(obj, vmlinux, found);
	bpf_object__for_each_program(prog, obj)
	{
		if (!display_is_program(prog) || i >= MAX_HOOKS)
			continue;
		if (hook_of(prog, name, sizeof(name), &hook) < 0)
			hook = bpf_program__section_name(prog);
		if (found[i]) {
			snprintf(probe.attached[probe.nattached++], HOOK_MAX, "%s", hook);
		} else {
			snprintf(probe.missing[probe.nmissing++], HOOK_MAX, "%s", hook);
			bpf_program__set_autoload(prog, false);
		}
		i++;
	}
	join(attached, sizeof(attached), probe.attached, probe.nattached);
	join(missing, sizeof(missing), probe.missing, probe.nmissing);
	log_info("display hooks attached: %s; missing: %s", attached, missing);
}

static json_object *string_array(char list[][HOOK_MAX], int n)
{
	json_object *a = json_object_new_array();

	for (int i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(list[i]));
	return a;
}

void display_hooks_json(json_object *o)
{
	json_object *hooks;

	if (!json_object_object_get_ex(o, "display_hooks", &hooks)) {
		hooks = json_object_new_object();
		json_object_object_add(o, "display_hooks", hooks);
	}
	json_object_object_add(hooks, "attached", string_array(probe.attached, probe.nattached));
	json_object_object_add(hooks, "missing", string_array(probe.missing, probe.nmissing));
}

static const struct counter_group display_group = {
	"display", "evtap_display_events_total", "outcome",
	"Display events (commits, flips, damage) by what the kernel programs did with them."
};
static const struct counter_group hits_group = { "display_hooks.hits",
						 "evtap_display_hook_hits_total", "hook",
						 "Entries of each display hook, before any gate." };

void display_counters_walk(struct kernel *k, counter_fn fn, void *ctx)
{
	struct bpf_object *obj = kernel_object(k);
	__u64 hits[EVTAP_DHOOK_MAX] = { 0 }, stats[EVTAP_STAT_MAX] = { 0 };

	kernel_sum_percpu_array(bpf_object__find_map_by_name(obj, "display_stats"), stats,
				EVTAP_STAT_MAX);
	kernel_sum_percpu_array(bpf_object__find_map_by_name(obj, "display_hits"), hits,
				EVTAP_DHOOK_MAX);
	for (int i = 0; i < EVTAP_STAT_MAX; i++)
		if (evtap_stat_name(i))
			fn(ctx, &display_group, evtap_stat_name(i), stats[i]);
	for (int i = 0; i < EVTAP_DHOOK_MAX; i++)
		fn(ctx, &hits_group, hook_names[i], hits[i]);
}

static void display_add(struct evtap_display *sum, const struct evtap_display *d)
{
	sum->commits += d->commits;
	sum->flips += d->flips;
	sum->damage_events += d->damage_events;
	sum->damage_ppm += d->damage_ppm;
}

/* The difference since the last interval; returns whether anything happened. */
static int display_delta(const struct evtap_display *now, const struct evtap_display *prev,
			 struct evtap_display_rec *out)
{
	__u64 ppm = now->damage_ppm - prev->damage_ppm;

	out->commits = (uint32_t)(now->commits - prev->commits);
	out->flips = (uint32_t)(now->flips - prev->flips);
	out->damage_events = (uint32_t)(now->damage_events - prev->damage_events);
	/* A fraction of the frame: damage past a full frame in one interval is a full frame. */
	out->damage_ppm = ppm > EVTAP_DISPLAY_FULL_PPM ? EVTAP_DISPLAY_FULL_PPM : (uint32_t)ppm;
	return out->commits || out->flips || out->damage_events || ppm;
}

static void on_display(struct daemon *d, const struct evtap_display_key *key,
		       const struct evtap_display *totals)
{
	struct evtap_display *prev =
		prevs_get(&d->display_prev, key, sizeof(*key), sizeof(*totals));
	struct evtap_record rec = { .kind = EVTAP_KIND_DISPLAY, .uid = key->uid };
	int reason = EVTAP_STAT_GATE_LEVEL_OFF;

	if (!prev)
		return;
	if (display_delta(totals, prev, &rec.display)) {
		/* The second check, as for every record: consent may have changed since. */
		if (daemon_user_level(d, key->uid, &reason) <
		    evtap_kind_min_level(EVTAP_KIND_DISPLAY)) {
			d->stats.dropped[reason]++;
		} else {
			rec.ts_ns = clock_mono_to_wall(d->now_mono);
			rec.display.crtc = key->crtc;
			rec.display.interval_ms =
				(uint32_t)((d->now_mono - d->last_counts) / 1000000);
			store_append(d->store, &rec, NULL);
			d->stats.display_records++;
		}
	}
	*prev = *totals;
}

void collector_take_display(struct daemon *d)
{
	struct bpf_map *map = bpf_object__find_map_by_name(kernel_object(d->kernel), "display");
	int ncpus = libbpf_num_possible_cpus(), err;
	struct evtap_display_key key, *prev_key = NULL;
	struct evtap_display *per_cpu, sum;

	if (!map || ncpus < 0)
		return;
	per_cpu = calloc(ncpus, sizeof(*per_cpu));
	if (!per_cpu)
		return;
	while (!(err = bpf_map__get_next_key(map, prev_key, &key, sizeof(key)))) {
		err = bpf_map__lookup_elem(map, &key, sizeof(key), per_cpu,
					   ncpus * sizeof(*per_cpu), 0);
		if (err && err != -ENOENT)
			break;
		memset(&sum, 0, sizeof(sum));
		for (int cpu = 0; !err && cpu < ncpus; cpu++)
			display_add(&sum, &per_cpu[cpu]);
		if (!err)
			on_display(d, &key, &sum);
		prev_key = &key;
	}
	free(per_cpu);
	if (err && err != -ENOENT)
		log_warn("reading the display map: %s", strerror(-err));
}
