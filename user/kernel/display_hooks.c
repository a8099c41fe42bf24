// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Which display hooks the running kernel has, found before the skeleton loads. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include "display_hooks.h"
#include "log.h"

#define PROG_PREFIX "evtap_display_"
#define MAX_HOOKS   KERNEL_HOOKS_MAX
#define HOOK_MAX    KERNEL_HOOK_NAME_MAX

bool display_is_program(const struct bpf_program *prog)
{
	return !strncmp(bpf_program__name(prog), PROG_PREFIX, strlen(PROG_PREFIX));
}

/* "fentry/F" needs function F; "tp_btf/T" needs the typedef btf_trace_T. */
static int hook_of(const struct bpf_program *prog, char *name, size_t size, const char **hook)
{
	const char *sec = bpf_program__section_name(prog), *slash = sec ? strchr(sec, '/') : NULL;

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

void display_probe(struct bpf_object *obj, const struct btf *vmlinux,
		   struct kernel_display_hooks *probe)
{
	bool found[MAX_HOOKS] = { false };
	struct bpf_program *prog;
	char name[HOOK_MAX + 16], attached[512], missing[512];
	const char *hook;
	int i = 0;

	memset(probe, 0, sizeof(*probe));
	find_hooks(obj, vmlinux, found);
	bpf_object__for_each_program(prog, obj)
	{
		if (!display_is_program(prog) || i >= MAX_HOOKS)
			continue;
		if (hook_of(prog, name, sizeof(name), &hook) < 0)
			hook = bpf_program__section_name(prog);
		if (found[i]) {
			snprintf(probe->attached[probe->nattached++], HOOK_MAX, "%s", hook);
		} else {
			snprintf(probe->missing[probe->nmissing++], HOOK_MAX, "%s", hook);
			bpf_program__set_autoload(prog, false);
		}
		i++;
	}
	join(attached, sizeof(attached), probe->attached, probe->nattached);
	join(missing, sizeof(missing), probe->missing, probe->nmissing);
	log_info("display hooks attached: %s; missing: %s", attached, missing);
}
