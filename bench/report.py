#!/usr/bin/env python3
# bench/report.py RESULTS.JSON CPU.DAT: prints the Markdown tables of a bench run (targets, then
# one row per rate) and writes CPU.DAT, the plot's data: rate, then the added CPU per event of
# evtap, the evdev reader and evtest, in ns.
import json
import sys

r = json.load(open(sys.argv[1]))
rows = sorted(r["rates"], key=lambda x: x["rate_achieved"])
with open(sys.argv[2], "w") as f:
    for x in rows:
        f.write("%d %g %g %g\n" % (x["rate_achieved"], x["added_cpu_ns_per_event_evtap"],
                                   x["added_cpu_ns_per_event_evdev_reader"],
                                   x["added_cpu_ns_per_event_evtest"]))

r100 = next((x for x in r["rates"] if x["rate"] == 100000), r["rates"][-1])
at = "100k" if r["rate_100k_sustained"] else "%d/s (100k not sustained)" % r["latency_rate"]
targets = [
    ("evtap's program, ns per event (bpf_stats)", "<= 3x empty (%.0f ns)" %
     r["bpf_ns_per_event_empty"], "%.0f ns = %.2fx" %
     (r["bpf_ns_per_event"], r["bpf_ns_per_event"] / r["bpf_ns_per_event_empty"]),
     r["bpf_ns_per_event"] <= 3 * r["bpf_ns_per_event_empty"]),
    ("added CPU per event at 100k/s", "<= 0.5x evdev reader (%.0f ns)" %
     r["added_cpu_ns_per_event_evdev_reader"], "%.0f ns = %.2fx" %
     (r["added_cpu_ns_per_event_evtap"], r["added_cpu_ns_per_event_evtap"] /
      r["added_cpu_ns_per_event_evdev_reader"]),
     r["added_cpu_ns_per_event_evtap"] <= 0.5 * r["added_cpu_ns_per_event_evdev_reader"]),
    ("the same, each consumer's own CPU (evtap: collector + programs)",
     "<= 0.5x evdev reader (%.0f ns)" % r100["proc_ns_per_event_evdev_reader"],
     "%.0f ns = %.2fx" % (r100["proc_ns_per_event_evtap"], r100["proc_ns_per_event_evtap"] /
                          max(r100["proc_ns_per_event_evdev_reader"], 1)),
     r100["proc_ns_per_event_evtap"] <= 0.5 * r100["proc_ns_per_event_evdev_reader"]),
    ("records lost at 100k/s for %d s" % r["seconds_per_rate"], "0",
     "%d (rate %s)" % (r["drops_at_100k"], "sustained" if r["rate_100k_sustained"]
                       else "not sustained"),
     r["drops_at_100k"] == 0 and r["rate_100k_sustained"] == 1),
    ("collector wakeups per second, every rate", "<= 10",
     "max %.1f" % max(x["wakeups_per_s"] for x in rows),
     all(x["wakeups_per_s"] <= 10 for x in rows)),
    ("bytes on disk per event, realistic mix", "<= 4", "%.2f" % r["bytes_per_event"],
     r["bytes_per_event"] <= 4),
    ("collector peak RSS (VmHWM)", "<= 8192 KiB", "%d KiB (%d KiB at the end of a run)" %
     (r["rss_kib"], r.get("rss_kib_end", 0)), r["rss_kib"] <= 8192),
]
print("| target | goal | measured | met |")
print("|---|---|---|---|")
for name, goal, got, ok in targets:
    print("| %s | %s | %s | %s |" % (name, goal, got, "yes" if ok else "**no**"))
print()
print("Latency from injection to persisted at %s: p50 %.0f ms, p99 %.0f ms (stats sampled "
      "every %.0f ms)." % (at, r["latency_ms_p50_at_100k"], r["latency_ms_p99_at_100k"],
                            r["latency_sample_ms"]))
print("Highest rate injected unpaced with evtap capturing: %d events/s; highest rate sustained "
      "without loss: %d events/s." % (r["max_rate_unpaced"], r["max_rate_sustained"]))
print("Realistic mix: %d events in %d s, %d records; %.2f bytes per event (%.2f counting whole "
      "segment files), %.1f bytes per record." % (r["mix_events"], r["mix_seconds"],
                                                  r["mix_records"], r["bytes_per_event"],
                                                  r["bytes_per_event_files"],
                                                  r["bytes_per_record"]))
print()
print("Added CPU per event (whole guest, ns) and, in parentheses, the consumer's own CPU per "
      "event (ns; evtap: collector process plus the programs' bpf_stats run time):")
print()
print("| rate (target) | rate (achieved) | events | evtap | evdev reader | evtest | lost | "
      "wakeups/s | RSS KiB | reader logged | reader SYN_DROPPED |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for x in r["rates"]:
    print("| %d | %d | %d | %.0f (%.0f) | %.0f (%.0f) | %.0f (%.0f) | %d | %.1f | %d | %d | %d |" % (
        x["rate"], x["rate_achieved"], x["events"], x["added_cpu_ns_per_event_evtap"],
        x["proc_ns_per_event_evtap"], x["added_cpu_ns_per_event_evdev_reader"],
        x["proc_ns_per_event_evdev_reader"], x["added_cpu_ns_per_event_evtest"],
        x["proc_ns_per_event_evtest"], x["drops"], x["wakeups_per_s"], x["rss_kib"],
        x["evdev_reader_logged"], x["evdev_reader_syn_dropped"]))
print()
print("Kernel fallbacks at 10k events/s (the collector lost nothing silently on any path):")
print()
print("| attach | buffer | program ns/event | added CPU ns/event | lost | wakeups/s |")
print("|---|---|---|---|---|---|")
for v in r.get("variants", []):
    print("| %s | %s | %.0f | %.0f | %d | %.1f |" % (
        v["attach"], v["buffer"], v["bpf_ns_per_event"], v["added_cpu_ns_per_event"],
        v["drops"], v["wakeups_per_s"]))
