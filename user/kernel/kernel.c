// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The kernel side's lifecycle around the evtap skeleton (libbpf-bootstrap style). What the
 * programs need from the running kernel is checked before load, so that a kernel that cannot
 * host them gets a message naming what is missing instead of a verifier log.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "evtap.h"
#include "display_hooks.h"
#include "evtap.skel.h"
#include "kernel.h"
#include "kpath.h"
#include "log.h"

struct kernel {
	struct evtap_bpf *skel;
	char *pin_dir; /* NULL: nothing pinned */
	struct kpath path;
	__u32 ringbuf_bytes;
	struct kernel_display_hooks hooks;
};

static bool libbpf_verbose;

/* libbpf's messages through our log: warnings always, the rest only when verbose. */
static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list args)
{
	static const int priority[] = {
		[LIBBPF_WARN] = LOG_WARNING,
		[LIBBPF_INFO] = LOG_INFO,
		[LIBBPF_DEBUG] = LOG_DEBUG,
	};
	char *msg;
	int len;

	if (level != LIBBPF_WARN && !libbpf_verbose)
		return 0;
	len = vasprintf(&msg, fmt, args);
	if (len < 0)
		return len;
	while (len > 0 && msg[len - 1] == '\n')
		len--;
	log_msg(priority[level], "%.*s", len, msg);
	free(msg);
	return 0;
}

/* Each program's section is "fentry/FUNCTION": the hook must exist in the kernel's BTF. */
static int check_hooks(struct evtap_bpf *skel, const struct btf *vmlinux)
{
	struct bpf_program *prog;
	const char *hook;
	int ret = 0;

	bpf_object__for_each_program(prog, skel->obj)
	{
		if (display_is_program(prog) || !bpf_program__autoload(prog))
			continue;
		hook = strchr(bpf_program__section_name(prog), '/');
		if (!hook) {
			log_err("BPF program %s: section %s names no hook", bpf_program__name(prog),
				bpf_program__section_name(prog));
			ret = KERNEL_EUNSUPPORTED;
		} else if (btf__find_by_name_kind(vmlinux, ++hook, BTF_KIND_FUNC) < 0) {
			log_err("the kernel has no function %s() to hook: no input subsystem?",
				hook);
			ret = KERNEL_EUNSUPPORTED;
		}
	}
	return ret;
}

/*
 * Loads either the fentry or the kprobe capture programs, never both. The display hooks are
 * fentry and tp_btf programs only: they load wherever fentry works, also under a forced
 * --attach kprobe, and not at all where fentry does not.
 */
static void choose_programs(struct kernel *k, const struct btf *vmlinux)
{
	struct evtap_bpf *skel = k->skel;
	const struct kpath *path = &k->path;
	bool kprobe = path->attach == KPATH_ATTACH_KPROBE;
	struct bpf_program *prog;
	const char *sec;

	bpf_object__for_each_program(prog, skel->obj)
	{
		sec = bpf_program__section_name(prog);
		if (display_is_program(prog))
			bpf_program__set_autoload(prog, !kprobe || path->tracing);
		else if (!strncmp(sec, "kprobe/", 7))
			bpf_program__set_autoload(prog, kprobe);
		else
			bpf_program__set_autoload(prog, !kprobe);
	}
	if (!kprobe || path->tracing)
		display_probe(skel->obj, vmlinux, &k->hooks); /* what is missing is not loaded */
	else
		log_info("display hooks attached: none: they need fentry, which fails here");
}

static int check_support(struct kernel *k, const struct kernel_opts *opts)
{
	struct evtap_bpf *skel = k->skel;
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int ret;

	if (!vmlinux) {
		log_err("the kernel has no BTF (/sys/kernel/btf/vmlinux): "
			"it needs CONFIG_DEBUG_INFO_BTF=y");
		return KERNEL_EUNSUPPORTED;
	}
	kpath_choose(opts->buffer, opts->attach, vmlinux, &k->path);
	log_info("kernel path: %s", k->path.why);
	choose_programs(k, vmlinux);
	ret = check_hooks(skel, vmlinux);
	btf__free(vmlinux);
	if (ret)
		return ret;
	if (k->path.buffer == KPATH_BUFFER_PERF)
		return 0;
	ret = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);
	if (ret == 0) {
		log_err("the kernel has no BPF ring buffer (Linux 5.8): use --buffer perf or auto");
		return KERNEL_EUNSUPPORTED;
	}
	if (ret < 0)
		log_err("cannot create BPF maps: %s", strerror(-ret));
	return ret < 0 ? ret : 0;
}

/*
 * The perf path retypes the ring buffer map to a perf event array, one slot per CPU (max
 * entries 0: libbpf sizes it), as libbpf-tools' compat.c does: a kernel without the ring
 * buffer cannot create the map as declared, and the programs' ring buffer code is dead there.
 */
static int use_perf_buffer(struct evtap_bpf *skel)
{
	struct bpf_map *events = skel->maps.events;

	skel->rodata->use_perf_buffer = true;
	return bpf_map__set_type(events, BPF_MAP_TYPE_PERF_EVENT_ARRAY) ?:
	       bpf_map__set_key_size(events, sizeof(__u32)) ?:
	       bpf_map__set_value_size(events, sizeof(__u32)) ?:
	       bpf_map__set_max_entries(events, 0);
}

static int configure(struct kernel *k, const struct kernel_opts *opts)
{
	struct evtap_bpf *skel = k->skel;
	long page = sysconf(_SC_PAGESIZE);
	__u32 size = opts->ringbuf_bytes;

	skel->data->fleet = opts->fleet;
	k->ringbuf_bytes = size;
	if (k->path.buffer == KPATH_BUFFER_PERF)
		return use_perf_buffer(skel);
	if (!size)
		return 0;
	if (size < page || (size & (size - 1))) {
		log_err("ring buffer size %u: must be a power of two of at least %ld bytes", size,
			page);
		return -EINVAL;
	}
	return bpf_map__set_max_entries(skel->maps.events, size);
}

static int load(struct evtap_bpf *skel)
{
	int err = evtap_bpf__load(skel);

	if (err)
		log_err("cannot load the BPF programs: %s%s", strerror(-err),
			err == -EPERM ? " (needs root, and a kernel whose lockdown mode, if any, "
					"allows tracing programs)"
				      : "");
	return err;
}

/* The pin directory, made afresh: pins left there by a crashed evtapd are removed. */
static int pin_prepare(const char *dir)
{
	struct dirent *e;
	int n = 0;
	DIR *d;

	if (!mkdir(dir, 0700))
		return 0;
	if (errno != EEXIST || !(d = opendir(dir)))
		return -errno;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && !unlinkat(dirfd(d), e->d_name, 0))
			n++;
	closedir(d);
	if (n)
		log_warn("%s: replaced %d stale pins, left by an evtapd that did not exit cleanly",
			 dir, n);
	return chmod(dir, 0700) ? -errno : 0;
}

/* Maps by their names (events, consent, ...); internal ones (.data, .bss) are not pinned. */
static int pin_maps(struct kernel *k)
{
	struct bpf_map *map;
	char path[512];
	int err;

	bpf_object__for_each_map(map, k->skel->obj)
	{
		if (strchr(bpf_map__name(map), '.'))
			continue;
		snprintf(path, sizeof(path), "%s/%s", k->pin_dir, bpf_map__name(map));
		err = bpf_map__pin(map, path);
		if (err)
			return err;
	}
	return 0;
}

/* Links as link_PROGRAM: a pinned link keeps its program attached until the pin goes. */
static int pin_links(struct kernel *k)
{
	const struct bpf_object_skeleton *s = k->skel->skeleton;
	char path[512];
	int err;

	for (int i = 0; i < s->prog_cnt; i++) {
		struct bpf_link *link = *s->progs[i].link;
		if (!link)
			continue;
		snprintf(path, sizeof(path), "%s/link_%s", k->pin_dir, s->progs[i].name);
		err = bpf_link__pin(link, path);
		if (err)
			return err;
	}
	return 0;
}

static void unpin_links(struct kernel *k)
{
	const struct bpf_object_skeleton *s = k->skel->skeleton;

	for (int i = 0; k->pin_dir && i < s->prog_cnt; i++)
		if (*s->progs[i].link && bpf_link__pin_path(*s->progs[i].link))
			bpf_link__unpin(*s->progs[i].link);
}

static void unpin_all(struct kernel *k)
{
	struct bpf_map *map;

	if (!k->pin_dir)
		return;
	unpin_links(k);
	bpf_object__for_each_map(map, k->skel->obj)
	{
		if (bpf_map__is_pinned(map))
			bpf_map__unpin(map, NULL);
	}
	rmdir(k->pin_dir);
	free(k->pin_dir);
	k->pin_dir = NULL;
}

static int pin(struct kernel *k, const char *dir)
{
	int err;

	if (!dir)
		return 0;
	err = pin_prepare(dir);
	if (!err && !(k->pin_dir = strdup(dir)))
		err = -ENOMEM;
	if (!err)
		err = pin_maps(k);
	if (err)
		log_err("%s: cannot pin the maps: %s", dir, strerror(-err));
	return err;
}

int kernel_open(struct kernel **out, const struct kernel_opts *opts)
{
	struct kernel *k;
	int err;

	libbpf_verbose = opts->verbose;
	libbpf_set_print(print_libbpf);
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->skel = evtap_bpf__open();
	if (!k->skel) {
		err = -errno;
		log_err("cannot open the BPF object: %s", strerror(errno));
	} else {
		err = check_support(k, opts) ?: configure(k, opts) ?: load(k->skel) ?:
			pin(k, opts->pin_dir);
	}
	if (err) {
		kernel_close(k);
		return err;
	}
	*out = k;
	return 0;
}

int kernel_attach(struct kernel *k)
{
	int err = evtap_bpf__attach(k->skel);

	if (err)
		log_err("cannot attach the BPF programs: %s", strerror(-err));
	else if (k->pin_dir && (err = pin_links(k)))
		log_err("%s: cannot pin the links: %s", k->pin_dir, strerror(-err));
	return err;
}

void kernel_detach(struct kernel *k)
{
	unpin_links(k);
	evtap_bpf__detach(k->skel);
}

void kernel_close(struct kernel *k)
{
	if (!k)
		return;
	if (k->skel)
		unpin_all(k);
	evtap_bpf__destroy(k->skel);
	free(k);
}

int kernel_buffer(struct kernel *k, buffer_sample_fn fn, void *ctx, __u32 wakeup_bytes,
		  struct evtap_buffer **b)
{
	struct buffer_opts opts = {
		.perf = k->path.buffer == KPATH_BUFFER_PERF,
		.record_size = sizeof(struct evtap_event),
		.merge_by_ts = true, /* ts_ns comes first */
		.total_bytes = k->ringbuf_bytes,
		.wakeup_bytes = wakeup_bytes,
	};

	return buffer_new(b, bpf_map__fd(k->skel->maps.events), &opts, fn, ctx);
}

const char *kernel_buffer_name(const struct kernel *k)
{
	return kpath_buffer_name(k->path.buffer);
}

const char *kernel_attach_name(const struct kernel *k)
{
	return kpath_attach_name(k->path.attach);
}

void kernel_set_fleet(struct kernel *k, const struct evtap_fleet *fleet)
{
	k->skel->data->fleet = *fleet;
}

int kernel_set_seat(struct kernel *k, __u32 seat, const struct evtap_seat *s)
{
	return bpf_map__update_elem(k->skel->maps.seats, &seat, sizeof(seat), s, sizeof(*s),
				    BPF_ANY);
}

/* Deleting what is not there is success: the map already says what the caller wants. */
static int delete_key(struct bpf_map *map, __u32 key)
{
	int err = bpf_map__delete_elem(map, &key, sizeof(key), 0);

	return err == -ENOENT ? 0 : err;
}

int kernel_set_device_seat(struct kernel *k, __u32 dev, __u32 seat)
{
	int err;

	if (!seat)
		return delete_key(k->skel->maps.device_seats, dev);
	err = bpf_map__update_elem(k->skel->maps.device_seats, &dev, sizeof(dev), &seat,
				   sizeof(seat), BPF_ANY);
	/* After the route: an event that sees the flag finds the route. */
	if (!err)
		__atomic_store_n(&k->skel->bss->devices_routed, true, __ATOMIC_RELEASE);
	return err;
}

int kernel_set_consent(struct kernel *k, __u32 uid, const struct evtap_consent *c)
{
	return bpf_map__update_elem(k->skel->maps.consent, &uid, sizeof(uid), c, sizeof(*c),
				    BPF_ANY);
}

int kernel_clear_consent(struct kernel *k, __u32 uid)
{
	return delete_key(k->skel->maps.consent, uid);
}

typedef void (*percpu_add_fn)(void *sum, const void *value);
typedef void (*percpu_entry_fn)(void *ctx, const void *key, const void *sum);

/*
 * Calls fn with every entry of a per-CPU map (array or hash), its values summed over CPUs by
 * add. An entry deleted during the walk is skipped. Keys are at most 8 bytes.
 */
static int walk_percpu(struct bpf_map *map, size_t value_size, percpu_add_fn add,
		       percpu_entry_fn fn, void *ctx)
{
	size_t key_size = bpf_map__key_size(map), stride = (value_size + 7) & ~(size_t)7;
	int ncpus = libbpf_num_possible_cpus(), err;
	__u64 key = 0, prev = 0;
	bool first = true;
	char *values, *sum;

	if (ncpus < 0)
		return ncpus;
	if (key_size > sizeof(key))
		return -EINVAL;
	values = calloc(ncpus, stride);
	sum = malloc(value_size);
	err = values && sum ? 0 : -ENOMEM;
	while (!err && !(err = bpf_map__get_next_key(map, first ? NULL : &prev, &key, key_size))) {
		err = bpf_map__lookup_elem(map, &key, key_size, values, ncpus * stride, 0);
		if (!err) {
			memset(sum, 0, value_size);
			for (int cpu = 0; cpu < ncpus; cpu++)
				add(sum, values + cpu * stride);
			fn(ctx, &key, sum);
		}
		if (err == -ENOENT)
			err = 0;
		prev = key;
		first = false;
	}
	free(values);
	free(sum);
	return err == -ENOENT ? 0 : err;
}

static void add_u64(void *sum, const void *value)
{
	*(__u64 *)sum += *(const __u64 *)value;
}

struct u64_array {
	__u64 *out;
	__u32 n;
};

static void store_u64(void *ctx, const void *key, const void *sum)
{
	struct u64_array *a = ctx;
	__u32 i = *(const __u32 *)key;

	if (i < a->n)
		a->out[i] = *(const __u64 *)sum;
}

/* A per-CPU array of __u64 counters, entries 0 to n - 1, each summed over CPUs into out[]. */
static int sum_percpu_array(struct bpf_map *map, __u64 *out, __u32 n)
{
	struct u64_array a = { out, n };

	memset(out, 0, n * sizeof(*out));
	return walk_percpu(map, sizeof(__u64), add_u64, store_u64, &a);
}

static void add_stats(void *sum, const void *value)
{
	for (int i = 0; i < EVTAP_STAT_MAX; i++)
		((__u64 *)sum)[i] += ((const __u64 *)value)[i];
}

static void store_stats(void *out, const void *key, const void *sum)
{
	memcpy(out, sum, EVTAP_STAT_MAX * sizeof(__u64));
}

/* The counters are one per-CPU entry of EVTAP_STAT_MAX __u64s (bpf/maps.bpf.h). */
int kernel_read_stats(struct kernel *k, __u64 out[EVTAP_STAT_MAX])
{
	memset(out, 0, EVTAP_STAT_MAX * sizeof(*out));
	return walk_percpu(k->skel->maps.stats, EVTAP_STAT_MAX * sizeof(__u64), add_stats,
			   store_stats, out);
}

int kernel_read_display_stats(struct kernel *k, __u64 stats[EVTAP_STAT_MAX],
			      __u64 hits[EVTAP_DHOOK_MAX])
{
	return sum_percpu_array(k->skel->maps.display_stats, stats, EVTAP_STAT_MAX)
		       ?: sum_percpu_array(k->skel->maps.display_hits, hits, EVTAP_DHOOK_MAX);
}

int kernel_read_misses(struct kernel *k, __u64 *misses)
{
	struct bpf_prog_info info;
	struct bpf_program *prog;
	__u32 len;
	int err;

	*misses = 0;
	bpf_object__for_each_program(prog, k->skel->obj)
	{
		if (bpf_program__fd(prog) < 0) /* a display hook the kernel lacks */
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		err = bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len);
		if (err)
			return err;
		*misses += info.recursion_misses;
	}
	return 0;
}

static void counts_add(void *sum_, const void *value)
{
	struct evtap_counts *sum = sum_;
	const struct evtap_counts *c = value;

	for (int i = 0; i < EVTAP_CLASS_MAX; i++)
		sum->keys[i] += c->keys[i];
	sum->clicks += c->clicks;
	sum->motion += c->motion;
	sum->scroll += c->scroll;
}

struct counts_walk {
	kernel_counts_fn fn;
	void *ctx;
};

static void on_counts(void *ctx, const void *key, const void *sum)
{
	struct counts_walk *w = ctx;

	w->fn(w->ctx, *(const __u32 *)key, sum);
}

int kernel_read_counts(struct kernel *k, kernel_counts_fn fn, void *ctx)
{
	struct counts_walk w = { fn, ctx };

	return walk_percpu(k->skel->maps.counts, sizeof(struct evtap_counts), counts_add, on_counts,
			   &w);
}

static void display_add(void *sum_, const void *value)
{
	struct evtap_display *sum = sum_;
	const struct evtap_display *d = value;

	sum->commits += d->commits;
	sum->flips += d->flips;
	sum->damage_events += d->damage_events;
	sum->damage_ppm += d->damage_ppm;
}

struct display_walk {
	kernel_display_fn fn;
	void *ctx;
};

static void on_display(void *ctx, const void *key, const void *sum)
{
	struct display_walk *w = ctx;

	w->fn(w->ctx, key, sum);
}

int kernel_read_display(struct kernel *k, kernel_display_fn fn, void *ctx)
{
	struct display_walk w = { fn, ctx };

	return walk_percpu(k->skel->maps.display, sizeof(struct evtap_display), display_add,
			   on_display, &w);
}

const struct kernel_display_hooks *kernel_display_hooks(const struct kernel *k)
{
	return &k->hooks;
}
