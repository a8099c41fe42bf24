#!/usr/bin/env python3
"""The whole guest's CPU time, measured from the host: bench/run pipes the VM's console through
this filter, which passes every line on and, for each line "BENCH-HOSTCPU LABEL", appends
"LABEL NS" to OUT, where NS is the time the VM's virtual CPU threads have run so far
(/proc/TID/schedstat, in ns). An idle virtual CPU halts and its thread sleeps, so the
difference between two marks is what the guest ran in between, without the guest's 10 ms
jiffies. The threads come from QMP's query-cpus-fast.

Usage: hostcpu.py QMP_SOCKET OUT
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


def main(argv):
    if len(argv) != 3:
        print("usage: hostcpu.py QMP_SOCKET OUT", file=sys.stderr)
        return 2
    threads = None
    with open(argv[2], "w") as out:
        for line in sys.stdin.buffer:
            if line.startswith(MARK):
                if threads is None:
                    # A set: single-threaded TCG runs every virtual CPU in one thread.
                    threads = {c["thread-id"] for c in QMP(argv[1]).cmd("query-cpus-fast")}
                label = line[len(MARK):].decode(errors="replace").strip()
                out.write("%s %d\n" % (label, vcpu_ns(threads)))
                out.flush()
            sys.stdout.buffer.write(line)
            sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
