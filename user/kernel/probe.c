// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtapd --probe: each facility evtapd could build on is tried the way evtapd would use it
 * (a tracing program is really loaded and attached, then closed at once), so that the answer
 * holds on this kernel, with this lockdown mode and these privileges, not only in theory.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "kpath.h"
#include "probe.h"

static const char *const hooks[] = { "input_event", "input_inject_event" };
#define N_HOOKS (sizeof(hooks) / sizeof(hooks[0]))

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return 0;
}

/* The lockdown mode in force ("none", "integrity", "confidentiality"), or "unknown". */
static void lockdown_mode(char *out, size_t len)
{
	char buf[128], *open, *close;
	FILE *f = fopen("/sys/kernel/security/lockdown", "re");

	snprintf(out, len, "unknown");
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f) && (open = strchr(buf, '[')) &&
	    (close = strchr(open, ']'))) {
		*close = '\0';
		snprintf(out, len, "%s", open + 1);
	}
	fclose(f);
}

static int kallsyms_has(const char *fn)
{
	char line[256], name[128];
	FILE *f = fopen("/proc/kallsyms", "re");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %127s", name) == 1 && !strcmp(name, fn);
	fclose(f);
	return found;
}

static const char *why_not(int err, const char *lockdown)
{
	static char buf[160];

	if (err == -EPERM && geteuid() == 0 && strcmp(lockdown, "none"))
		snprintf(buf, sizeof(buf), "lockdown: the kernel (lockdown %s) refuses it",
			 lockdown);
	else if (err == -EPERM)
		snprintf(buf, sizeof(buf), "%s: needs root (CAP_BPF and CAP_PERFMON)",
			 strerror(-err));
	else
		snprintf(buf, sizeof(buf), "%s", strerror(-err));
	return buf;
}

static int probe_map(const char *what, enum bpf_map_type type, const char *lockdown)
{
	int ret = libbpf_probe_bpf_map_type(type, NULL);

	if (ret > 0)
		printf("%s: available\n", what);
	else if (ret == 0)
		printf("%s: not available: the kernel does not know it\n", what);
	else
		printf("%s: cannot tell: %s\n", what, why_not(ret, lockdown));
	return ret > 0;
}

int probe_run(int buffer, int attach, bool verbose)
{
	struct btf *vmlinux;
	struct utsname u;
	char lockdown[64];
	int have_btf, have_hooks = 1, have_fentry = 0, have_ringbuf, err = -ENOENT;
	int have_kprobes, have_perf, ok;
	struct kpath path;

	libbpf_set_print(verbose ? NULL : quiet_libbpf);
	lockdown_mode(lockdown, sizeof(lockdown));
	uname(&u);
	printf("kernel: %s %s\n", u.release, u.machine);
	printf("lockdown: %s\n", lockdown);
	vmlinux = btf__load_vmlinux_btf();
	have_btf = vmlinux != NULL;
	printf("BTF: %s\n", have_btf ? "available (/sys/kernel/btf/vmlinux)"
				     : "not available: needs CONFIG_DEBUG_INFO_BTF=y");
	for (size_t i = 0; i < N_HOOKS; i++) {
		int in_btf =
			have_btf && btf__find_by_name_kind(vmlinux, hooks[i], BTF_KIND_FUNC) >= 0;
		printf("hook %s: %s, %s\n", hooks[i], in_btf ? "in BTF" : "not in BTF",
		       kallsyms_has(hooks[i]) ? "in kallsyms" : "not in kallsyms");
		have_hooks &= in_btf;
	}
	if (have_btf && have_hooks) {
		err = kpath_try_fentry(vmlinux, hooks[0]);
		have_fentry = !err;
	}
	if (have_fentry)
		printf("fentry: available (loaded and attached a test program)\n");
	else
		printf("fentry: not available: %s\n", !have_btf	    ? "no BTF"
						      : !have_hooks ? "no hook in BTF"
								    : why_not(err, lockdown));
	have_kprobes = !access("/sys/kernel/tracing/kprobe_events", F_OK) ||
		       !access("/sys/kernel/debug/tracing/kprobe_events", F_OK);
	printf("kprobes: %s\n", have_kprobes ? "available (kprobe_events)"
				: kallsyms_has("register_kprobe")
					? "in the kernel, tracefs not mounted"
					: "not available");
	have_ringbuf = probe_map("ring buffer", BPF_MAP_TYPE_RINGBUF, lockdown);
	have_perf = probe_map("perf buffer", BPF_MAP_TYPE_PERF_EVENT_ARRAY, lockdown);
	/* What --buffer and --attach (auto by default) resolve to here. */
	kpath_choose(buffer, attach, vmlinux, &path);
	btf__free(vmlinux);
	have_kprobes |= kallsyms_has("register_kprobe");
	ok = have_btf && have_hooks &&
	     (path.attach == KPATH_ATTACH_FENTRY ? have_fentry : have_kprobes) &&
	     (path.buffer == KPATH_BUFFER_RINGBUF ? have_ringbuf : have_perf);
	if (ok)
		printf("evtapd would use: %s on input_event and input_inject_event, the %s "
		       "(--buffer %s, --attach %s)\n",
		       path.attach == KPATH_ATTACH_FENTRY ? "fentry" : "kprobes",
		       path.buffer == KPATH_BUFFER_RINGBUF ? "BPF ring buffer" : "perf buffer",
		       kpath_buffer_name(buffer), kpath_attach_name(attach));
	else
		printf("evtapd would use: nothing: it needs BTF, the hooks input_event and "
		       "input_inject_event, fentry or kprobes on them, and the ring or perf "
		       "buffer (--buffer %s, --attach %s)\n",
		       kpath_buffer_name(buffer), kpath_attach_name(attach));
	return 0;
}
