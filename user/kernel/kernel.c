// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The kernel layer's runtime (loader.h): the programs' maps, links and programs as
 * descriptors that the loader child sent, and nothing of libbpf's object. Map updates and
 * lookups on a descriptor already held need no capability (Linux 5.19 and later check
 * kernel.unprivileged_bpf_disabled only when a map or program is created); the ring buffer,
 * .data and .bss are read and written through mmaps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "evtap.h"
#include "kernel.h"
#include "loader.h"
#include "log.h"

struct kernel {
	int maps[LOADER_MAP_MAX];
	int progs[LOADER_FDS_MAX]; /* for their recursion misses */
	int links[LOADER_FDS_MAX]; /* closing them detaches the programs (unless pinned) */
	int nprogs, nlinks;
	pid_t loader; /* 0 once reaped */
	int sock;     /* to the loader, until attach */
	void *data, *bss;
	size_t data_len, bss_len;
	volatile struct evtap_fleet *fleet; /* in data */
	volatile bool *devices_routed;	    /* in bss */
	char *pin_dir;			    /* NULL: nothing pinned */
	int pin_fd;			    /* pin_dir, to unpin without reaching it by path */
	struct kpath path;
	__u32 ringbuf_bytes;
	struct kernel_display_hooks hooks;
};

static void close_fds(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Waits for the loader's exit: it has logged its own errors. */
static void reap_loader(struct kernel *k)
{
	if (k->sock >= 0)
		close(k->sock); /* a loader still waiting for the attach request exits */
	k->sock = -1;
	if (k->loader <= 0)
		return;
	while (waitpid(k->loader, NULL, 0) < 0 && errno == EINTR)
		;
	k->loader = 0;
}

static int start_loader(struct kernel *k, const struct kernel_opts *opts)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	k->loader = fork();
	if (k->loader < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (!k->loader) {
		close(sv[0]);
		_exit(loader_run(opts, sv[1]));
	}
	close(sv[1]);
	k->sock = sv[0];
	return 0;
}

/* .data and .bss are mmapable arrays of one value: map it whole, as libbpf does. */
static void *map_value(int fd, __u32 size, size_t *len)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	*len = ((size_t)size + page - 1) & ~((size_t)page - 1);
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

static int map_globals(struct kernel *k, const struct loader_loaded *msg)
{
	if (msg->fleet_off + sizeof(*k->fleet) > msg->data_size ||
	    msg->routed_off + sizeof(*k->devices_routed) > msg->bss_size)
		return -EPROTO;
	k->data = map_value(k->maps[LOADER_MAP_DATA], msg->data_size, &k->data_len);
	k->bss = map_value(k->maps[LOADER_MAP_BSS], msg->bss_size, &k->bss_len);
	if (!k->data || !k->bss)
		return -errno;
	k->fleet = (void *)((char *)k->data + msg->fleet_off);
	k->devices_routed = (void *)((char *)k->bss + msg->routed_off);
	return 0;
}

static int receive_loaded(struct kernel *k)
{
	struct loader_loaded msg;
	int fds[LOADER_FDS_MAX], n, err;

	err = loader_recv(k->sock, &msg, sizeof(msg), fds, &n);
	if (!err && msg.err)
		err = msg.err; /* the loader said why */
	else if (!err && n != LOADER_MAP_MAX + msg.nprogs + msg.pinned)
		err = -EPROTO;
	else if (err)
		log_err("the BPF loader gave no answer: %s", strerror(-err));
	if (err) {
		close_fds(fds, n);
		return err;
	}
	memcpy(k->maps, fds, sizeof(k->maps));
	memcpy(k->progs, fds + LOADER_MAP_MAX, msg.nprogs * sizeof(int));
	k->nprogs = msg.nprogs;
	if (msg.pinned)
		k->pin_fd = fds[n - 1];
	k->path = msg.path;
	k->hooks = msg.hooks;
	return map_globals(k, &msg);
}

int kernel_open(struct kernel **out, const struct kernel_opts *opts)
{
	struct kernel *k;
	int err;

	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	memset(k->maps, -1, sizeof(k->maps));
	k->sock = k->pin_fd = -1;
	k->ringbuf_bytes = opts->ringbuf_bytes;
	err = opts->pin_dir && !(k->pin_dir = strdup(opts->pin_dir)) ? -ENOMEM : 0;
	err = err ?: start_loader(k, opts) ?: receive_loaded(k);
	if (err) {
		kernel_close(k);
		return err;
	}
	*out = k;
	return 0;
}

/* The loader attaches and pins the links, sends their descriptors, and exits. */
int kernel_attach(struct kernel *k)
{
	struct loader_attached msg;
	char request = 'a';
	int err = 0;

	if (k->sock < 0 || send(k->sock, &request, 1, MSG_NOSIGNAL) != 1)
		err = -EPIPE;
	if (!err)
		err = loader_recv(k->sock, &msg, sizeof(msg), k->links, &k->nlinks);
	if (!err && (msg.err || k->nlinks != msg.nlinks))
		err = msg.err ?: -EPROTO;
	if (err) {
		close_fds(k->links, k->nlinks);
		k->nlinks = 0;
		log_err("cannot attach the BPF programs: %s", strerror(-err));
	}
	reap_loader(k);
	return err;
}

void kernel_detach(struct kernel *k)
{
	if (k->pin_fd >= 0)
		loader_unpin(k->pin_fd, "link_");
	close_fds(k->links, k->nlinks);
	k->nlinks = 0;
}

/*
 * The pin directory stays, empty, where the daemon, no longer root, may not remove it (the
 * next start reuses it): /sys/fs/bpf is root's only under systemd.
 */
void kernel_close(struct kernel *k)
{
	if (!k)
		return;
	reap_loader(k);
	kernel_detach(k);
	if (k->pin_fd >= 0 && loader_unpin(k->pin_fd, "") >= 0)
		rmdir(k->pin_dir);
	if (k->pin_fd >= 0)
		close(k->pin_fd);
	if (k->data)
		munmap(k->data, k->data_len);
	if (k->bss)
		munmap(k->bss, k->bss_len);
	close_fds(k->maps, LOADER_MAP_MAX);
	close_fds(k->progs, k->nprogs);
	free(k->pin_dir);
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

	return buffer_new(b, k->maps[LOADER_MAP_EVENTS], &opts, fn, ctx);
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
	*k->fleet = *fleet;
}

static int update_u32(int fd, __u32 key, const void *value)
{
	return bpf_map_update_elem(fd, &key, value, BPF_ANY);
}

int kernel_set_seat(struct kernel *k, __u32 seat, const struct evtap_seat *s)
{
	return update_u32(k->maps[LOADER_MAP_SEATS], seat, s);
}

/* Deleting what is not there is success: the map already says what the caller wants. */
static int delete_key(int fd, __u32 key)
{
	int err = bpf_map_delete_elem(fd, &key);

	return err == -ENOENT ? 0 : err;
}

int kernel_set_device_seat(struct kernel *k, __u32 dev, __u32 seat)
{
	int fd = k->maps[LOADER_MAP_DEVICE_SEATS], err;

	if (!seat)
		return delete_key(fd, dev);
	err = update_u32(fd, dev, &seat);
	/* After the route: an event that sees the flag finds the route. */
	if (!err)
		__atomic_store_n(k->devices_routed, true, __ATOMIC_RELEASE);
	return err;
}

int kernel_set_consent(struct kernel *k, __u32 uid, const struct evtap_consent *c)
{
	return update_u32(k->maps[LOADER_MAP_CONSENT], uid, c);
}

int kernel_clear_consent(struct kernel *k, __u32 uid)
{
	return delete_key(k->maps[LOADER_MAP_CONSENT], uid);
}

typedef void (*percpu_add_fn)(void *sum, const void *value);
typedef void (*percpu_entry_fn)(void *ctx, const void *key, const void *sum);

/*
 * Calls fn with every entry of a per-CPU map (array or hash), its values summed over CPUs by
 * add. An entry deleted during the walk is skipped. Keys are at most 8 bytes.
 */
static int walk_percpu(int fd, size_t key_size, size_t value_size, percpu_add_fn add,
		       percpu_entry_fn fn, void *ctx)
{
	size_t stride = (value_size + 7) & ~(size_t)7;
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
	while (!err && !(err = bpf_map_get_next_key(fd, first ? NULL : &prev, &key))) {
		err = bpf_map_lookup_elem(fd, &key, values);
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
static int sum_percpu_array(int fd, __u64 *out, __u32 n)
{
	struct u64_array a = { out, n };

	memset(out, 0, n * sizeof(*out));
	return walk_percpu(fd, sizeof(__u32), sizeof(__u64), add_u64, store_u64, &a);
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
	return walk_percpu(k->maps[LOADER_MAP_STATS], sizeof(__u32), EVTAP_STAT_MAX * sizeof(__u64),
			   add_stats, store_stats, out);
}

int kernel_read_display_stats(struct kernel *k, __u64 stats[EVTAP_STAT_MAX],
			      __u64 hits[EVTAP_DHOOK_MAX])
{
	return sum_percpu_array(k->maps[LOADER_MAP_DISPLAY_STATS], stats, EVTAP_STAT_MAX)
		       ?: sum_percpu_array(k->maps[LOADER_MAP_DISPLAY_HITS], hits, EVTAP_DHOOK_MAX);
}

int kernel_read_misses(struct kernel *k, __u64 *misses)
{
	struct bpf_prog_info info;
	__u32 len;
	int err;

	*misses = 0;
	for (int i = 0; i < k->nprogs; i++) {
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		err = bpf_obj_get_info_by_fd(k->progs[i], &info, &len);
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

	return walk_percpu(k->maps[LOADER_MAP_COUNTS], sizeof(__u32), sizeof(struct evtap_counts),
			   counts_add, on_counts, &w);
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

	return walk_percpu(k->maps[LOADER_MAP_DISPLAY], sizeof(struct evtap_display_key),
			   sizeof(struct evtap_display), display_add, on_display, &w);
}

const struct kernel_display_hooks *kernel_display_hooks(const struct kernel *k)
{
	return &k->hooks;
}
