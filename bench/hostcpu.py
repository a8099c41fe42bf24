#!/usr/bin/env python3
"""The whole guest's CPU time and instructions, measured from the host: bench/run pipes the VM's
console through this filter, which passes every line on and, for each line "BENCH-HOSTCPU
LABEL" (printed by evtap-bench-mark), appends "LABEL NS" to OUT, where NS is the time the VM's
virtual CPU threads have run so far (/proc/TID/schedstat, in ns). An idle virtual CPU halts
and its thread sleeps, so the difference between two marks is what the guest ran in between,
without the guest's 10 ms jiffies. The threads come from QMP's query-cpus-fast.

With PLUGIN_OUT and INSN_OUT, it also appends "LABEL<TAB>COUNTS" to INSN_OUT, COUNTS being the
last line of PLUGIN_OUT: the instruction counts that bench/insncount.c wrote when the guest's
evtap-bench-mark executed the mark instruction, just before it printed the line.

Usage: hostcpu.py QMP_SOCKET OUT [PLUGIN_OUT INSN_OUT]
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vmtest"))
from qmp import QMP  # noqa: E402

MARK = b"BENCH-HOSTCPU "


def vcpu_ns(threads):
    total = 0
    for tid in threads:
        with open("/proc/%d/schedstat" % tid) as f:
            total += int(f.read().split()[0])
    return total


def last_line(path):
    with open(path) as f:
        lines = f.read().splitlines()
    return lines[-1] if lines else ""


def main(argv):
    if len(argv) not in (3, 5):
        print("usage: hostcpu.py QMP_SOCKET OUT [PLUGIN_OUT INSN_OUT]", file=sys.stderr)
        return 2
    threads = None
    insn = open(argv[4], "w") if len(argv) == 5 else None
    with open(argv[2], "w") as out:
        for line in sys.stdin.buffer:
            if line.startswith(MARK):
                if threads is None:
                    # A set: single-threaded TCG runs every virtual CPU in one thread.
                    threads = {c["thread-id"] for c in QMP(argv[1]).cmd("query-cpus-fast")}
                label = line[len(MARK):].decode(errors="replace").strip()
                out.write("%s %d\n" % (label, vcpu_ns(threads)))
                out.flush()
                if insn:
                    insn.write("%s\t%s\n" % (label, last_line(argv[3])))
                    insn.flush()
            sys.stdout.buffer.write(line)
            sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
