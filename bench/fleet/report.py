#!/usr/bin/env python3
# bench/fleet/report.py FILE...: the fleet benchmark's results table (markdown) from
# bench/fleet/run.sh's build/bench-fleet/speed-N.txt files (key=value lines).
import re
import sys


def parse(path):
    v, status = {}, {}
    for line in open(path):
        m = re.match(r"(connected|end) (\w+):\s+(\d+)", line)
        if m:
            status[m.group(1) + "_" + m.group(2)] = int(m.group(3))
            continue
        if line.startswith("machine:"):
            v["machine"] = line.split(":", 1)[1].strip()
            continue
        for k, val in re.findall(r'(\w+)=("[^"]*"|\S+)', line):
            v[k] = val.strip('"')
    v.update(status)
    return v


def f(v, k):
    return float(v.get(k, "nan"))


runs = [parse(p) for p in sys.argv[1:]]
if not runs:
    sys.exit("report: no results")
print(runs[0].get("machine", ""))
print()
rows = [
    ("input events in the window (its length, s)", lambda v: "%d in %.1f (%.0f/s per agent)" % (
        f(v, "events"), f(v, "window_s"), f(v, "events") / f(v, "window_s") / f(v, "agents")), ""),
    ("bytes on the wire per input event, client to server (TCP payload)",
     lambda v: "%.2f" % f(v, "wire_bytes_per_event"), "<= 5"),
    ("of which sealed block bytes (acked)", lambda v: "%.2f" % f(v, "block_bytes_per_event"), ""),
    ("server to client (acks) per event", lambda v: "%.2f" % f(v, "wire_received_per_event"), ""),
    ("ack latency p50 / p99 / max, ms", lambda v: "%s / %s / %s" % (
        v.get("ack_ms_p50"), v.get("ack_ms_p99"), v.get("ack_ms_max")), ""),
    ("shipper CPU per event, us (per block)", lambda v: "%.2f (%.0f)" % (
        f(v, "cpu_us_per_event"), f(v, "cpu_us_per_block")), ""),
    ("blocks in the stores / in the stream after dedupe", lambda v: "%s / %s" % (
        v.get("blocks"), v.get("stream_msgs")), ""),
    ("blocks lost / twice / changed (so records lost)", lambda v: "%s / %s / %s" % (
        v.get("missing"), v.get("twice"), v.get("changed")), "0"),
    ("broker disk bytes per event, one replica (3 replicas)", lambda v: "%.2f (%.2f)" % (
        f(v, "disk_n1") / f(v, "events_all"),
        sum(f(v, "disk_n%d" % k) for k in (1, 2, 3)) / f(v, "events_all")), ""),
    ("failed publishes (resent) / duplicate acks / reconnects", lambda v: "%s / %s / %s" % (
        v.get("failed"), v.get("duplicates"), v.get("reconnects")), ""),
    ("drain after the window, s", lambda v: v.get("drain_s"), ""),
    ("threads / RSS MiB, connected and at the end", lambda v: "%d / %.0f, %d / %.0f" % (
        v.get("connected_Threads", 0), v.get("connected_VmRSS", 0) / 1024,
        v.get("end_Threads", 0), v.get("end_VmRSS", 0) / 1024), ""),
    ("load average at window open / kill / end", lambda v: "%s / %s / %s" % (
        v.get("load_open"), v.get("load_kill"), v.get("load_end")), ""),
]
print("| figure | " + " | ".join("%s agents x%s, %s s, n%s killed" % (
    v.get("agents"), v.get("speed"), v.get("seconds"), v.get("killed", "?").lstrip("n"))
    for v in runs) + " | target |")
print("|---" * (len(runs) + 2) + "|")
for name, fn, target in rows:
    cells = []
    for v in runs:
        try:
            cells.append(str(fn(v)))
        except (TypeError, ValueError, ZeroDivisionError):
            cells.append("-")
    print("| %s | %s | %s |" % (name, " | ".join(cells), target))
