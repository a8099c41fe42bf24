#!/bin/sh
# What an operator does with bpftool (docs/OPERATIONS.md) on a daemon started with --pin, the
# privileges evtapd keeps after start-up (none: the evtap user), the Prometheus metrics, and
# --probe.
. tests/vm/lib.sh
P=/sys/fs/bpf/evtap

check_probe() {
	evtapd --probe >/tmp/probe 2>&1 && grep -q "^fentry: available" /tmp/probe &&
		grep -q "^ring buffer: available" /tmp/probe &&
		grep -q "^hook input_event: in BTF" /tmp/probe &&
		grep -q "^evtapd would use: fentry on input_event" /tmp/probe
}
check probe-says-fentry check_probe

start_evtapd --session-source static:1000 --level full --pin --metrics 127.0.0.1:9464 \
	--metrics-interval 5s
check pin-dir-0700 [ "$(stat -c %a $P)" = 700 ]
for m in events stats seats device_seats consent counts device_state; do
	check "pinned-$m" [ -e "$P/$m" ]
done
check pinned-links sh -c "ls $P | grep -q '^link_evtap_input_event$'"
check bpftool-prog-show sh -c "bpftool prog show | grep -q 'name evtap_input_event'"
check bpftool-map-show sh -c "bpftool map show pinned $P/consent | grep -q 'name consent'"

# bob opts out: his uid (1001) is a key of the consent map.
su bob -c 'evtap opt-out' >/dev/null
check consent-dump-shows-bob sh -c \
	"bpftool map dump pinned $P/consent | grep -Eq '\"key\": 1001\\b|^key: e9 03 00 00'"
check seats-dump-shows-alice sh -c "bpftool map dump pinned $P/seats | grep -q '\"uid\": 1000'"
check stats-dump sh -c "bpftool map dump pinned $P/stats | grep -q '\"values\"'"

# Privileges after start-up: the evtap user (999), no capability at all, and no_new_privs;
# bob's opt-out above went into the consent map from that process, through its descriptor.
status() { awk -v k="$1:" '$1 == k { print $2 }' /proc/"$EVTAPD"/status; }
check_no_root_evtapd evtapd-not-root
check_eq uid-evtap 999 "$(status Uid)"
check_eq gid-evtap 999 "$(status Gid)"
check_eq groups-evtap 999 "$(status Groups)"
check_eq cap-effective 0000000000000000 "$(status CapEff)"
check_eq cap-permitted 0000000000000000 "$(status CapPrm)"
check_eq cap-bounding 0000000000000000 "$(status CapBnd)"
check_eq cap-ambient 0000000000000000 "$(status CapAmb)"
check_eq no-new-privs 1 "$(status NoNewPrivs)"
check_eq pin-dir-owner evtap "$(stat -c %U $P)"
# The daemon's peak memory is that of capturing: the loader child parsed the kernel's BTF,
# which took it to 12.4 MiB when evtapd loaded the programs itself. About 5.7 MiB are left,
# and --metrics here adds libmicrohttpd's libraries (GnuTLS and its chain: about 3 MiB of
# pages touched when they load): the bound is what the loader must keep it under.
echo "evtapd VmHWM $(status VmHWM) kB, VmRSS $(status VmRSS) kB"
check vmhwm-under-10mib [ "$(status VmHWM)" -lt 10240 ]

# Capture, export and the maps still work with those privileges; bpf_stats counts runs.
echo 1 >/proc/sys/kernel/bpf_stats_enabled
inject_start
inject "type hi"
wait_for 30 '[ "$(count_rows --user 1000)" -ge 4 ]'
check_eq capture-after-drop 4 "$(count_rows --user 1000)"
check bpf-stats-run-cnt sh -c \
	"bpftool prog show name evtap_input_event | grep -Eq 'run_time_ns [0-9]+ run_cnt [1-9]'"
echo 0 >/proc/sys/kernel/bpf_stats_enabled

# Metrics: snapshots taken every metrics-interval (5s here), never on a request, so that a local
# user polling the port cannot time key presses. Right after a refresh (each one differs: the
# loop's wakeups count), two scrapes 200 ms apart with typing between them are the same, while
# `evtap stats` (root's) counted the keys live.
scrape() { wget -q -O "$1" http://127.0.0.1:9464/metrics; }
check metrics-scrape scrape /tmp/metrics0
refreshed() { scrape /tmp/metrics1 && ! cmp -s /tmp/metrics0 /tmp/metrics1; }
check metrics-refreshed wait_for 15 refreshed
seen0=$(counter kernel.seen)
inject "type hello"
sleep 0.2
seen1=$(counter kernel.seen)
scrape /tmp/metrics
check metrics-stats-live [ "$seen1" -ge $((seen0 + 10)) ]
if cmp -s /tmp/metrics1 /tmp/metrics; then pass metrics-same-while-typing; else
	fail metrics-same-while-typing "the scrapes differ:"
	diff /tmp/metrics1 /tmp/metrics
fi
inject_end
cp /tmp/metrics /tmp/metrics0
check metrics-refreshed-again wait_for 15 refreshed
seen() { awk '$1 == "evtap_kernel_events_total{outcome=\"seen\"}" { print $2 }' "$1"; }
check metrics-typing-in-next [ "$(seen /tmp/metrics1)" -ge "$seen1" ]
refused() { ! evtapd --metrics 0.0.0.0:9464 >/tmp/refused 2>&1 && grep -q 'loopback only' /tmp/refused; }
check metrics-loopback-only refused
check metrics-seen sh -c "grep -Eq '^evtap_kernel_events_total\\{outcome=\"seen\"\\} [1-9]' /tmp/metrics"
check metrics-persisted grep -q '^evtap_store_records_persisted_total ' /tmp/metrics
check metrics-format awk '
	/^# HELP / { help[$3] = 1; next }
	/^# TYPE / { if ($4 != "counter") exit 1; type[$3] = 1; next }
	/^#/ { exit 1 }
	{
		if (NF != 2 || $2 !~ /^[0-9]+$/) exit 1
		name = $1; sub(/\{.*/, "", name)
		if (name !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/ || !(name in type) || !(name in help)) exit 1
		if ($1 ~ /\{/ && $1 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"\}$/) exit 1
		n++
	}
	END { exit n < 10 }' /tmp/metrics
echo "---METRICS-BEGIN---"
cat /tmp/metrics
echo "---METRICS-END---"

# A clean exit removes the pins.
stop_evtapd
check pins-removed-on-sigterm [ ! -e $P ]

# After kill -9 the pins stay (and keep the programs attached); a restart replaces them.
start_evtapd --session-source static:1000 --pin
kill -9 "$EVTAPD"
wait "$EVTAPD" 2>/dev/null
check stale-pins-left [ -e $P/consent ]
: >/tmp/evtapd.log
start_evtapd --session-source static:1000 --pin
check stale-pins-replaced grep -q "replaced .* stale pins" /tmp/evtapd.log
one_attached() { [ "$(bpftool prog show | grep -c 'name evtap_input_event')" = 1 ]; }
check old-programs-detached wait_for 10 one_attached
check pins-fresh sh -c "bpftool map show pinned $P/consent | grep -q 'name consent'"
stop_evtapd
check pins-removed-again [ ! -e $P ]
finish
