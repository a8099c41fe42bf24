#!/bin/sh
# Prints "BENCH-SYM ADDRESS NAME" for the two functions of the guest kernel between which
# bench/insncount.c counts a fentry program's run (the trampoline calls them around it).
# bench/run boots this first: the vmlinux that vmtest boots (PVH, no decompressor) is not
# randomised, so the addresses hold for the next boot.
awk '$3 == "__bpf_prog_enter_recur" || $3 == "__bpf_prog_exit_recur" {
	print "BENCH-SYM", $1, $3 }' /proc/kallsyms
