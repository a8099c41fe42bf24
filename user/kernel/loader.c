// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The loader (loader.h): the skeleton's whole life, in the short-lived child that kernel_open
 * forks. What the programs need from the running kernel is checked before load, so that a
 * kernel that cannot host them gets a message naming what is missing instead of a verifier
 * log. The maps are pinned at load and the links at attach, here, where the privileges are.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "evtap.h"
#include "display_hooks.h"
#include "evtap.skel.h"
#include "loader.h"
#include "log.h"

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
static void choose_programs(struct evtap_bpf *skel, const struct kpath *path,
			    const struct btf *vmlinux, struct kernel_display_hooks *hooks)
{
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
		display_probe(skel->obj, vmlinux, hooks); /* what is missing is not loaded */
	else
		log_info("display hooks attached: none: they need fentry, which fails here");
}

static int check_support(struct evtap_bpf *skel, const struct kernel_opts *opts,
			 struct loader_loaded *out)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int ret;

	if (!vmlinux) {
		log_err("the kernel has no BTF (/sys/kernel/btf/vmlinux): "
			"it needs CONFIG_DEBUG_INFO_BTF=y");
		return KERNEL_EUNSUPPORTED;
	}
	kpath_choose(opts->buffer, opts->attach, vmlinux, &out->path);
	log_info("kernel path: %s", out->path.why);
	choose_programs(skel, &out->path, vmlinux, &out->hooks);
	ret = check_hooks(skel, vmlinux);
	btf__free(vmlinux);
	if (ret)
		return ret;
	if (out->path.buffer == KPATH_BUFFER_PERF)
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

static int configure(struct evtap_bpf *skel, const struct kernel_opts *opts,
		     const struct kpath *path)
{
	long page = sysconf(_SC_PAGESIZE);
	__u32 size = opts->ringbuf_bytes;

	skel->data->fleet = opts->fleet;
	if (path->buffer == KPATH_BUFFER_PERF)
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
			err == -EPERM ? " (needs CAP_BPF and CAP_PERFMON, and a kernel whose "
					"lockdown mode, if any, allows tracing programs)"
				      : "");
	return err;
}

/*
 * The pin directory, made afresh (pins left there by a crashed evtapd are removed) and given
 * to the user the daemon runs as, who removes the pins when it stops.
 */
static int pin_prepare(const struct kernel_opts *opts, int *dir_fd)
{
	const char *dir = opts->pin_dir;
	int n;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	*dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dir_fd < 0)
		return -errno;
	n = loader_unpin(*dir_fd, "");
	if (n < 0)
		return n;
	if (n)
		log_warn("%s: replaced %d stale pins, left by an evtapd that did not exit cleanly",
			 dir, n);
	if (fchmod(*dir_fd, 0700) || fchown(*dir_fd, opts->pin_uid, opts->pin_gid))
		return -errno;
	return 0;
}

/* Maps by their names (events, consent, ...); internal ones (.data, .bss) are not pinned. */
static int pin_maps(struct evtap_bpf *skel, const char *dir)
{
	struct bpf_map *map;
	char path[512];
	int err;

	bpf_object__for_each_map(map, skel->obj)
	{
		if (strchr(bpf_map__name(map), '.'))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map));
		err = bpf_map__pin(map, path);
		if (err)
			return err;
	}
	return 0;
}

static int pin(struct evtap_bpf *skel, const struct kernel_opts *opts, int *dir_fd)
{
	int err;

	if (!opts->pin_dir)
		return 0;
	err = pin_prepare(opts, dir_fd) ?: pin_maps(skel, opts->pin_dir);
	if (err)
		log_err("%s: cannot pin the maps: %s", opts->pin_dir, strerror(-err));
	return err;
}

/* Links as link_PROGRAM: a pinned link keeps its program attached until the pin goes. */
static int pin_links(struct evtap_bpf *skel, const char *dir)
{
	const struct bpf_object_skeleton *s = skel->skeleton;
	char path[512];
	int err;

	for (int i = 0; dir && i < s->prog_cnt; i++) {
		struct bpf_link *link = *s->progs[i].link;
		if (!link)
			continue;
		snprintf(path, sizeof(path), "%s/link_%s", dir, s->progs[i].name);
		err = bpf_link__pin(link, path);
		if (err) {
			log_err("%s: cannot pin the links: %s", dir, strerror(-err));
			return err;
		}
	}
	return 0;
}

static int map_fds(struct evtap_bpf *skel, int *fds)
{
	struct bpf_map *maps[LOADER_MAP_MAX] = {
		[LOADER_MAP_EVENTS] = skel->maps.events,
		[LOADER_MAP_CONSENT] = skel->maps.consent,
		[LOADER_MAP_SEATS] = skel->maps.seats,
		[LOADER_MAP_DEVICE_SEATS] = skel->maps.device_seats,
		[LOADER_MAP_STATS] = skel->maps.stats,
		[LOADER_MAP_COUNTS] = skel->maps.counts,
		[LOADER_MAP_DISPLAY] = skel->maps.display,
		[LOADER_MAP_DISPLAY_STATS] = skel->maps.display_stats,
		[LOADER_MAP_DISPLAY_HITS] = skel->maps.display_hits,
		[LOADER_MAP_DATA] = skel->maps.data,
		[LOADER_MAP_BSS] = skel->maps.bss,
	};

	for (int i = 0; i < LOADER_MAP_MAX; i++)
		fds[i] = bpf_map__fd(maps[i]);
	return LOADER_MAP_MAX;
}

/* The maps, each loaded program (a display hook the kernel lacks has none), the pins. */
static int send_loaded(int sock, struct evtap_bpf *skel, struct loader_loaded *msg, int pin_fd)
{
	int fds[LOADER_FDS_MAX], n = map_fds(skel, fds);
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj)
	{
		if (bpf_program__fd(prog) < 0)
			continue;
		if (n == LOADER_FDS_MAX)
			return -E2BIG;
		fds[n++] = bpf_program__fd(prog);
		msg->nprogs++;
	}
	if (pin_fd >= 0 && n == LOADER_FDS_MAX)
		return -E2BIG;
	if (pin_fd >= 0)
		fds[n++] = pin_fd;
	msg->pinned = pin_fd >= 0;
	msg->data_size = bpf_map__value_size(skel->maps.data);
	msg->bss_size = bpf_map__value_size(skel->maps.bss);
	msg->fleet_off = (__u32)((char *)&skel->data->fleet - (char *)skel->data);
	msg->routed_off = (__u32)((char *)&skel->bss->devices_routed - (char *)skel->bss);
	return loader_send(sock, msg, sizeof(*msg), fds, n);
}

static int attach(struct evtap_bpf *skel, const char *pin_dir)
{
	int err = evtap_bpf__attach(skel);

	if (err)
		log_err("cannot attach the BPF programs: %s", strerror(-err));
	return err ?: pin_links(skel, pin_dir);
}

static int send_attached(int sock, struct evtap_bpf *skel, int err)
{
	const struct bpf_object_skeleton *s = skel->skeleton;
	struct loader_attached msg = { .err = err };
	int fds[LOADER_FDS_MAX];

	for (int i = 0; !err && i < s->prog_cnt && msg.nlinks < LOADER_FDS_MAX; i++)
		if (*s->progs[i].link)
			fds[msg.nlinks++] = bpf_link__fd(*s->progs[i].link);
	return loader_send(sock, &msg, sizeof(msg), fds, msg.nlinks);
}

/* The daemon fills the maps, then sends one byte; end of file means it gave up. */
static int serve_attach(int sock, struct evtap_bpf *skel, const char *pin_dir)
{
	char request;

	if (recv(sock, &request, 1, 0) != 1)
		return -ECANCELED;
	return send_attached(sock, skel, attach(skel, pin_dir));
}

int loader_run(const struct kernel_opts *opts, int sock)
{
	struct loader_loaded msg = { 0 };
	struct evtap_bpf *skel;
	int err, pin_fd = -1;

	libbpf_verbose = opts->verbose;
	libbpf_set_print(print_libbpf);
	skel = evtap_bpf__open();
	if (!skel) {
		msg.err = -errno;
		log_err("cannot open the BPF object: %s", strerror(errno));
	} else {
		msg.err = check_support(skel, opts, &msg) ?: configure(skel, opts, &msg.path) ?:
			load(skel) ?: pin(skel, opts, &pin_fd);
	}
	err = msg.err ? loader_send(sock, &msg, sizeof(msg), NULL, 0)
		      : send_loaded(sock, skel, &msg, pin_fd) ?:
				serve_attach(sock, skel, opts->pin_dir);
	if (pin_fd >= 0)
		close(pin_fd);
	/* The daemon holds every descriptor now: closing ours detaches nothing. */
	evtap_bpf__destroy(skel);
	return msg.err || err ? 1 : 0;
}
