// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-bench-mark LABEL...: marks a point of the benchmark. Executes the instruction on which
 * bench/insncount.c, the host's QEMU plugin, records the guest's instruction counts, then prints
 * "BENCH-HOSTCPU LABEL" on the console, on which bench/hostcpu.py reads them and the host's CPU
 * time. Outside the plugin the instruction is a NOP.
 */
#include <stdio.h>

int main(int argc, char **argv)
{
	int i;

	/* nopl 0x50545645(%rax,%rax,1): the plugin's mark_insn. */
	__asm__ volatile(".byte 0x0f, 0x1f, 0x84, 0x00, 0x45, 0x56, 0x54, 0x50" ::: "memory");
	fputs("BENCH-HOSTCPU", stdout);
	for (i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	putchar('\n');
	return fflush(stdout) ? 1 : 0;
}
