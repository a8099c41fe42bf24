// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-insncount.so, the QEMU TCG plugin of `make bench`: counts the instructions the guest
 * executes, per virtual CPU, kernel and user space apart, and those of every run of a
 * trampoline-attached BPF program (from the first instruction of __bpf_prog_enter_recur to the
 * first of __bpf_prog_exit_recur: the program and its helpers, as bpf_stats times them).
 * Instructions hold still where TCG's time does not, and map to native cost.
 *
 * Each time the guest executes the mark instruction (bench/mark.c), one line of totals so far
 * is appended to the output file: "PROG_INSNS PROG_RUNS KERNEL0 USER0 KERNEL1 USER1 ...".
 *
 * Usage: -plugin evtap-insncount.so,out=FILE,enter=ADDR,exit=ADDR[,profile=FILE] (the guest's
 * addresses of __bpf_prog_enter_recur and __bpf_prog_exit_recur, in hex). With profile=FILE,
 * QEMU's exit writes the programs' instruction profile there: "ADDRESS INSNS" for every
 * translation block run inside a program, by the address it starts at.
 *
 * Debian's QEMU 7.2 loads plugins but ships no header, so the few functions of the documented
 * plugin API (version 1) that this uses are declared here.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    qemu_plugin_vcpu_udata_cb_t cb,
					    enum qemu_plugin_cb_flags flags, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

#define EXPORT __attribute__((visibility("default")))
EXPORT int qemu_plugin_version = 1;

/* nopl 0x50545645(%rax,%rax,1): a NOP anywhere, and a displacement no compiler emits. */
static const uint8_t mark_insn[] = { 0x0f, 0x1f, 0x84, 0x00, 0x45, 0x56, 0x54, 0x50 };

#define MAX_VCPUS 16
#define KERNEL_VA (1ULL << 63) /* x86-64: the kernel's half of the address space */

/* One per translation (a TB translated again gets another), never freed: for the profile. */
struct tb_info {
	uint64_t vaddr;
	uint32_t insns;
	bool kernel;
	uint64_t in_prog; /* instructions run inside a program, for the profile */
	struct tb_info *next;
};

/* Each vCPU's own slot, written only by its thread; a mark reads them all. */
struct vcpu_count {
	uint64_t insns[2]; /* user, kernel */
	uint64_t prog_insns;
	uint64_t prog_runs;
	uint64_t entered; /* kernel instructions at the program's entry; 0 outside one */
	char pad[24];	  /* one cache line each */
};

static struct vcpu_count counts[MAX_VCPUS];
static uint64_t prog_enter, prog_exit;
static FILE *out, *profile;
static struct tb_info *tbs;
static pthread_mutex_t tbs_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_tb(unsigned int vcpu, void *udata)
{
	struct tb_info *tb = udata;

	if (vcpu >= MAX_VCPUS)
		return;
	counts[vcpu].insns[tb->kernel] += tb->insns;
	/* Racy between vCPUs running the same TB in programs at once: a profile can take it. */
	if (profile && counts[vcpu].entered)
		tb->in_prog += tb->insns;
}

static void on_prog_enter(unsigned int vcpu, void *udata)
{
	if (vcpu < MAX_VCPUS)
		counts[vcpu].entered = counts[vcpu].insns[1];
}

static void on_prog_exit(unsigned int vcpu, void *udata)
{
	struct vcpu_count *c;

	if (vcpu >= MAX_VCPUS || !counts[vcpu].entered)
		return;
	c = &counts[vcpu];
	c->prog_insns += c->insns[1] - c->entered;
	c->prog_runs++;
	c->entered = 0;
}

static void on_mark(unsigned int vcpu, void *udata)
{
	uint64_t prog = 0, runs = 0;
	int i;

	for (i = 0; i < MAX_VCPUS; i++) {
		prog += counts[i].prog_insns;
		runs += counts[i].prog_runs;
	}
	fprintf(out, "%" PRIu64 " %" PRIu64, prog, runs);
	for (i = 0; i < MAX_VCPUS; i++)
		fprintf(out, " %" PRIu64 " %" PRIu64, counts[i].insns[1], counts[i].insns[0]);
	fputc('\n', out);
	fflush(out);
}

static bool is_mark(const struct qemu_plugin_insn *insn)
{
	return qemu_plugin_insn_size(insn) == sizeof(mark_insn) &&
	       !memcmp(qemu_plugin_insn_data(insn), mark_insn, sizeof(mark_insn));
}

/* The count is added as a TB starts, so a TB left early (a fault, an interrupt) counts whole. */
static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);
	struct tb_info *info = calloc(1, sizeof(*info));
	bool kernel = qemu_plugin_tb_vaddr(tb) & KERNEL_VA;
	struct qemu_plugin_insn *insn;
	uint64_t va;

	if (!info)
		abort();
	info->vaddr = qemu_plugin_tb_vaddr(tb);
	info->insns = n;
	info->kernel = kernel;
	pthread_mutex_lock(&tbs_lock);
	info->next = tbs;
	tbs = info;
	pthread_mutex_unlock(&tbs_lock);
	qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb, QEMU_PLUGIN_CB_NO_REGS, info);
	for (i = 0; i < n; i++) {
		insn = qemu_plugin_tb_get_insn(tb, i);
		va = qemu_plugin_insn_vaddr(insn);
		if (va == prog_enter)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_prog_enter,
							       QEMU_PLUGIN_CB_NO_REGS, NULL);
		else if (va == prog_exit)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_prog_exit,
							       QEMU_PLUGIN_CB_NO_REGS, NULL);
		else if (!kernel && is_mark(insn))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark,
							       QEMU_PLUGIN_CB_NO_REGS, NULL);
	}
}

static void write_profile(qemu_plugin_id_t id, void *udata)
{
	struct tb_info *tb;

	for (tb = tbs; tb; tb = tb->next)
		if (tb->in_prog)
			fprintf(profile, "%" PRIx64 " %" PRIu64 "\n", tb->vaddr, tb->in_prog);
	fclose(profile);
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	const char *path = NULL;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
		else if (!strncmp(argv[i], "enter=", 6))
			prog_enter = strtoull(argv[i] + 6, NULL, 16);
		else if (!strncmp(argv[i], "exit=", 5))
			prog_exit = strtoull(argv[i] + 5, NULL, 16);
		else if (!strncmp(argv[i], "profile=", 8) && !(profile = fopen(argv[i] + 8, "w")))
			perror(argv[i] + 8);
	}
	if (!path || !prog_enter || !prog_exit) {
		fprintf(stderr, "evtap-insncount: needs out=FILE,enter=ADDR,exit=ADDR\n");
		return -1;
	}
	out = fopen(path, "w");
	if (!out) {
		perror(path);
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	if (profile)
		qemu_plugin_register_atexit_cb(id, write_profile, NULL);
	return 0;
}
