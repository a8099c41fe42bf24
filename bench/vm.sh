#!/bin/sh
# Guest side of `make bench` (bench/run boots the VM with it). Measures, in one boot, evtap
# against no capture, a minimal evdev reader and evtest, and prints the results as JSON between
# BENCH-RESULTS-BEGIN and BENCH-RESULTS-END. Method: docs/BENCHMARKS.md.
# Arguments: [SECONDS_PER_RATE (10) [MIX_SECONDS (60) [RATE...  (1000 10000 100000)]]].
. tests/vm/lib.sh

SECS=${1:-10}
MIX_SECS=${2:-60}
[ $# -gt 2 ] && shift 2 && RATES=$* || RATES="1000 10000 100000"
EVTAPD_ARGS="--session-source static:1000 --level full"
ROWS=/tmp/rows
: >$ROWS

say() { echo "bench: $*"; }
# val KEY LINE: the value of KEY=VALUE in LINE.
val() { echo "$2" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }
# calc EXPR: floating-point arithmetic.
calc() { awk "BEGIN { printf \"%.6g\", $1 }"; }
uptime_s() { awk '{ print $1 }' /proc/uptime; }
# stat_of FILE KEY: one counter from a saved `evtap stats`.
stat_of() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
delta() { echo $(($(stat_of /tmp/s1 "$1") - $(stat_of /tmp/s0 "$1"))); }
# added GEN NONE_GEN: the whole guest's added CPU per event (/proc/stat, as the generator
# reads it), from the generator's result lines of a pass and of the pass without capture.
added() {
	calc "$(val cpu_ns "$1") / $(val events "$1") - $(val cpu_ns "$2") / $(val events "$2")"
}

# proc_cpu_ns PID: the user and system time of one process, in ns (USER_HZ is 100 on x86).
proc_cpu_ns() { awk '{ print ($14 + $15) * 10000000 }' /proc/"$1"/stat; }
# bpf_cpu_ns: the run time of every evtap program so far (bpf_stats must be on).
bpf_cpu_ns() {
	bpftool -j prog show | sed 's/},{"id"/}\n{"id"/g' | grep '"name":"evtap_' |
		sed -n 's/.*"run_time_ns":\([0-9]*\).*/\1/p' | awk '{ t += $1 } END { print t + 0 }'
}

say "guest clock source: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"

bench_start_evtapd() {
	rm -rf "$DATA"
	start_evtapd $EVTAPD_ARGS
}

# pass METHOD GEN_ARGS...: one run of the generator with METHOD consuming its events (none,
# reader, evtest, evtap: the daemon must be running). Sets GEN, the generator's result line,
# and for evtap the stats at start and end in /tmp/s0 and /tmp/s1, and WINDOW, the seconds
# between them. When MARK is set, evtap-bench-mark marks "$MARK METHOD begin" as the generator
# starts and "... end" once it has ended (the host counts the guest's instructions and times its
# CPUs at each mark: bench/insncount.c, bench/hostcpu.py).
pass() {
	method=$1
	shift
	rm -f /tmp/go /tmp/consumer.time
	evtap-bench-gen -w /tmp/go "$@" >/tmp/gen.out &
	gen=$!
	wait_for 30 '[ -s /tmp/go ]' || { say "the generator did not start"; exit 1; }
	node=$(cat /tmp/go)
	consumer=
	case $method in
	reader)
		busybox time -p -o /tmp/consumer.time evtap-bench-reader "$node" /tmp/reader.bin \
			>/tmp/reader.out &
		consumer=$!
		;;
	evtest)
		busybox time -p -o /tmp/consumer.time evtest "$node" >/dev/null 2>&1 &
		consumer=$!
		;;
	esac
	sleep 1 # the consumer opens the device; evtap's collector sees it
	if [ "$method" = evtap ]; then
		evtap stats >/tmp/s0
		t0=$(uptime_s)
		c0=$(($(proc_cpu_ns "$EVTAPD") + $(bpf_cpu_ns)))
	fi
	[ -z "${MARK:-}" ] || evtap-bench-mark "$MARK" "$method" begin
	rm /tmp/go
	wait $gen
	[ -z "${MARK:-}" ] || evtap-bench-mark "$MARK" "$method" end
	GEN=$(cat /tmp/gen.out)
	# PROC_NS: the consumer's own CPU time over the pass (evtap: collector and programs).
	if [ "$method" = evtap ]; then
		evtap stats >/tmp/s1
		WINDOW=$(calc "$(uptime_s) - $t0")
		PROC_NS=$(($(proc_cpu_ns "$EVTAPD") + $(bpf_cpu_ns) - c0))
	fi
	# The consumers end when the generator's devices go away, and `time` then writes their
	# user and system time.
	if [ -n "$consumer" ]; then
		wait_for 30 "! kill -0 $consumer" || kill -TERM $consumer 2>/dev/null
		wait $consumer
		PROC_NS=$(awk '$1 == "user" || $1 == "sys" { t += $2 }
			END { printf "%.0f", t * 1e9 }' \
			/tmp/consumer.time)
	fi
	say "$method $*: $GEN"
	[ "$method" = reader ] && say "reader: $(cat /tmp/reader.out)"
	:
}

# start_floor empty|bare: one of the reference programs, attached (FLOOR: its loader's pid).
start_floor() {
	evtap-bench-floor "$1" >/tmp/floor.out &
	FLOOR=$!
	wait_for 60 'grep -q attached /tmp/floor.out' || { say "$1 program not attached"; exit 1; }
}
stop_floor() {
	kill -TERM "$FLOOR"
	wait "$FLOOR"
}

# The programs' own cost in instructions, each attached alone at 10k events/s, in three
# interleaved rounds: the plugin counts every run from __bpf_prog_enter to __bpf_prog_exit.
for round in 1 2 3; do
	MARK="prog $round"
	for prog in empty bare; do
		start_floor $prog
		pass $prog rate 10000 3
		stop_floor
	done
	bench_start_evtapd
	pass evtap rate 10000 3
	stop_evtapd
done
MARK=

# bpf_stats (time, secondary): the three programs attached together, at 10k events/s.
# prog_stats NAME: "run_time_ns run_cnt" of a program (bpftool omits them while they are 0).
prog_stats() {
	bpftool -j prog show | sed 's/},{"id"/}\n{"id"/g' | grep "\"name\":\"$1" >/tmp/prog.json
	echo "$(sed -n 's/.*"run_time_ns":\([0-9]*\).*/\1/p' /tmp/prog.json | grep . || echo 0)" \
		"$(sed -n 's/.*"run_cnt":\([0-9]*\).*/\1/p' /tmp/prog.json | grep . || echo 0)"
}
echo 1 >/proc/sys/kernel/bpf_stats_enabled
bench_start_evtapd
start_floor empty
EMPTY=$FLOOR
start_floor bare
e0=$(prog_stats evtap_input_eve)
z0=$(prog_stats empty_input_eve)
b0=$(prog_stats bare_input_even)
pass none rate 10000 5
e1=$(prog_stats evtap_input_eve)
z1=$(prog_stats empty_input_eve)
b1=$(prog_stats bare_input_even)
stop_floor
FLOOR=$EMPTY
stop_floor
stop_evtapd
echo 0 >/proc/sys/kernel/bpf_stats_enabled
# shellcheck disable=SC2086 # "ns cnt" pairs
per_run() { set -- $1 $2; calc "($3 - $1) / ($4 - $2)"; }
BPF_NS=$(per_run "$e0" "$e1")
BPF_EMPTY_NS=$(per_run "$z0" "$z1")
BPF_BARE_NS=$(per_run "$b0" "$b1")
say "bpf_stats: evtap $BPF_NS ns/event, bare record $BPF_BARE_NS, empty $BPF_EMPTY_NS"

# The kernel fallbacks against the defaults, at 10k events/s: ns per event of the program
# (bpf_stats) and added CPU per event of the whole pipeline, for each attach and buffer.
VARIANTS=/tmp/variants
: >$VARIANTS
MARK="variant"
pass none rate 10000 "$SECS"
none=$GEN
echo 1 >/proc/sys/kernel/bpf_stats_enabled
for variant in "fentry ringbuf evtap_input_eve" "kprobe ringbuf evtap_kp_input_e" \
	"fentry perf evtap_input_eve" "kprobe perf evtap_kp_input_e"; do
	set -- $variant
	rm -rf "$DATA"
	start_evtapd $EVTAPD_ARGS --attach "$1" --buffer "$2"
	p0=$(prog_stats "$3")
	MARK="variant $1-$2"
	pass evtap rate 10000 "$SECS"
	p1=$(prog_stats "$3")
	stop_evtapd
	printf '{"attach":"%s","buffer":"%s","bpf_ns_per_event":%s,' "$1" "$2" \
		"$(per_run "$p0" "$p1")" >>$VARIANTS
	printf '"events":%s,"events_none":%s,"stat_added_cpu_ns_per_event":%s,' \
		"$(val events "$GEN")" "$(val events "$none")" "$(added "$GEN" "$none")" >>$VARIANTS
	printf '"drops":%s,"wakeups_per_s":%s}\n' "$(delta kernel.lost_ringbuf_full)" \
		"$(calc "$(delta collector.wakeups) / $WINDOW")" >>$VARIANTS
	say "variant $variant: $(tail -n 1 $VARIANTS)"
done
MARK=
echo 0 >/proc/sys/kernel/bpf_stats_enabled

# latency_pass RATE: latency from injection to persisted at RATE (a pass of its own: the stats
# requests that measure it wake the collector), with a fresh evtapd. Sets LAT, the generator's
# result line, and RSS_PASS, evtapd's highest VmRSS during the pass, sampled every 250 ms
# (VmHWM also holds the peak of the BPF load; sampled here, where it does not count as CPU).
latency_pass() {
	bench_start_evtapd
	evtap-bench-gen -l -t 3000 rate "$1" "$SECS" >/tmp/gen.out &
	gen=$!
	RSS_PASS=0
	while kill -0 $gen 2>/dev/null; do
		now_kib=$(awk '/^VmRSS/ { print $2 }' /proc/"$EVTAPD"/status)
		[ "$now_kib" -gt "$RSS_PASS" ] && RSS_PASS=$now_kib
		usleep 250000
	done
	wait $gen
	LAT=$(cat /tmp/gen.out)
	say "latency at $1: $LAT"
	stop_evtapd
	[ "$RSS_PASS" -gt "${RSS_CAPTURE_MAX:-0}" ] && RSS_CAPTURE_MAX=$RSS_PASS
}

# repeat_row: the events of the last pass ($method) at $rate in round $round.
repeat_row() {
	printf '{"rate":%s,"round":%s,"method":"%s","events":%s}\n' "$rate" "$round" "$method" \
		"$(val events "$GEN")" >>/tmp/repeats
}

# rate_round: one round of the four passes at $rate: no consumer, the reader, evtest, evtap
# (as shipped: bpf_stats off). Sets the figures of the row below; drops add up over the
# rounds and wakeups take their highest.
rate_round() {
	MARK="rate $rate $round"
	pass none rate "$rate" "$SECS"
	none=$GEN
	repeat_row
	pass reader rate "$rate" "$SECS"
	reader=$GEN
	repeat_row
	reader_proc=$(calc "$PROC_NS / $(val events "$GEN")")
	logged=$(cat /tmp/reader.out)
	pass evtest rate "$rate" "$SECS"
	evtest=$GEN
	repeat_row
	evtest_proc=$(calc "$PROC_NS / $(val events "$GEN")")
	bench_start_evtapd
	pass evtap rate "$rate" "$SECS"
	repeat_row
	evtap_proc=$(calc "$PROC_NS / $(val events "$GEN")")
	achieved=$(val rate "$GEN")
	rss=$(awk '/^VmHWM/ { print $2 }' /proc/"$EVTAPD"/status)
	rss_now=$(awk '/^VmRSS/ { print $2 }' /proc/"$EVTAPD"/status)
	[ "$rss_now" -gt "${RSS_CAPTURE_MAX:-0}" ] && RSS_CAPTURE_MAX=$rss_now
	rss_parts=$(awk '/^Rss/ { sub(":", ""); printf "%s=%s ", $1, $2 }' /proc/"$EVTAPD"/status)
	say "evtapd at $rate: VmHWM $rss KiB; VmRSS $rss_now KiB: $rss_parts"
	[ "$rss" -gt "$RSS_MAX" ] && RSS_MAX=$rss
	[ "$rss_now" -gt "${RSS_END_MAX:-0}" ] && RSS_END_MAX=$rss_now
	drops=$((drops + $(delta kernel.lost_ringbuf_full)))
	w=$(calc "$(delta collector.wakeups) / $WINDOW")
	wakeups=$(calc "($w > $wakeups ? $w : $wakeups)")
	seen=$(delta kernel.seen)
	persisted=$(delta store.records_persisted)
	stop_evtapd
}

# Each rate in three interleaved rounds of the four passes (the whole guest's instructions per
# event vary from pass to pass; the report takes each round's differences, their medians and
# their spread). Rate 0 is the "max" row, one round: the generator unpaced, as fast as the VM
# goes, so each pass has its own event count, and the added cost per event is the pass's per
# event minus that of the pass without capture.
RSS_MAX=0
for rate in $RATES 0; do
	drops=0
	wakeups=0
	rounds="1 2 3"
	[ "$rate" = 0 ] && rounds=1
	for round in $rounds; do
		rate_round
	done
	MARK=
	latency_pass "$rate"
	# Sustained: the rate reached (within 3 %; any rate for the max row) with nothing lost.
	sustained=$(awk -v a="$achieved" -v r="$rate" -v d="$drops" \
		'BEGIN { print (a >= 0.97 * r && d == 0) ? 1 : 0 }')
	printf '{"rate":%s,"rate_achieved":%s,"events":%s,"cpu_ns_no_capture":%s,' \
		"$rate" "$achieved" "$(val events "$GEN")" "$(val cpu_ns "$none")" >>$ROWS
	printf '"events_none":%s,"events_evdev_reader":%s,"events_evtest":%s,"events_evtap":%s,' \
		"$(val events "$none")" "$(val events "$reader")" "$(val events "$evtest")" \
		"$(val events "$GEN")" >>$ROWS
	printf '"stat_added_cpu_ns_per_event_evtap":%s,' "$(added "$GEN" "$none")" >>$ROWS
	printf '"stat_added_cpu_ns_per_event_evdev_reader":%s,' "$(added "$reader" "$none")" >>$ROWS
	printf '"stat_added_cpu_ns_per_event_evtest":%s,' "$(added "$evtest" "$none")" >>$ROWS
	printf '"evdev_reader_logged":%s,' "$(val logged "$logged")" >>$ROWS
	printf '"evdev_reader_syn_dropped":%s,"kernel_seen":%s,"records_persisted":%s,' \
		"$(val dropped "$logged")" "$seen" "$persisted" >>$ROWS
	printf '"proc_ns_per_event_evtap":%s,"proc_ns_per_event_evdev_reader":%s,' \
		"$evtap_proc" "$reader_proc" >>$ROWS
	printf '"proc_ns_per_event_evtest":%s,' "$evtest_proc" >>$ROWS
	printf '"latency_ms_p50":%s,"latency_ms_p99":%s,"latency_sample_ms":%s,' \
		"$(val latency_ms_p50 "$LAT")" "$(val latency_ms_p99 "$LAT")" \
		"$(val sample_ms "$LAT")" >>$ROWS
	printf '"drops":%s,"wakeups_per_s":%s,"rss_kib":%s,"rss_kib_end":%s,' \
		"$drops" "$wakeups" "$rss" "$rss_now" >>$ROWS
	printf '"rss_kib_capturing":%s,"sustained":%s}\n' "$RSS_PASS" "$sustained" >>$ROWS
	[ "$rate" = 100000 ] && DROPS_100K=$drops && WAKEUPS_100K=$wakeups && SUST_100K=$sustained
	[ "$rate" = 0 ] && MAX_RAW=$achieved && DROPS_MAX=$drops && WAKEUPS_MAX=$wakeups
	[ "$sustained" = 1 ] && [ "${achieved%.*}" -gt "${MAX_SUSTAINED:-0}" ] &&
		MAX_SUSTAINED=${achieved%.*}
done

# Latency at 100k events/s, or unpaced (the max row) when 100k was not sustained.
LAT_RATE=100000
[ "${SUST_100K:-0}" = 1 ] || LAT_RATE=0
# row_get RATE KEY: a number from the row of RATE.
row_get() { grep "^{\"rate\":$1," $ROWS | sed -n "s/.*\"$2\":\([-0-9.e+]*\).*/\1/p"; }
LAT50=$(row_get $LAT_RATE latency_ms_p50)
LAT99=$(row_get $LAT_RATE latency_ms_p99)
SAMPLE_MS=$(row_get $LAT_RATE latency_sample_ms)

# Bytes on disk per event for the realistic mix, paced at real time.
bench_start_evtapd
files_bytes() {
	find "$DATA" -type f ! -name audit.log ! -name consent.conf -exec cat {} + | wc -c
}
f0=$(files_bytes)
pass evtap mix "$MIX_SECS"
stop_evtapd
MIX_EVENTS=$(val events "$GEN")
MIX_RECORDS=$(delta store.records_persisted)
MIX_BYTES=$(delta store.bytes_persisted)
MIX_FILES=$(($(files_bytes) - f0))
say "mix: $MIX_EVENTS events, $MIX_RECORDS records, $MIX_BYTES bytes persisted, $MIX_FILES in files"

echo BENCH-RESULTS-BEGIN
printf '{"bpf_ns_per_event":%s,"bpf_ns_per_event_empty":%s,' "$BPF_NS" "$BPF_EMPTY_NS"
printf '"bpf_ns_per_event_bare_record":%s,' "$BPF_BARE_NS"
printf '"drops_at_100k":%s,"wakeups_per_s_at_100k":%s,' "${DROPS_100K:--1}" "${WAKEUPS_100K:--1}"
printf '"drops_at_max":%s,"wakeups_per_s_at_max":%s,' "${DROPS_MAX:--1}" "${WAKEUPS_MAX:--1}"
printf '"rate_100k_sustained":%s,"latency_rate":%s,' "${SUST_100K:-0}" "$LAT_RATE"
printf '"latency_ms_p50_at_100k":%s,"latency_ms_p99_at_100k":%s,' "${LAT50:--1}" "${LAT99:--1}"
printf '"latency_sample_ms":%s,' "${SAMPLE_MS:--1}"
printf '"bytes_per_event":%s,' "$(calc "$MIX_BYTES / $MIX_EVENTS")"
printf '"bytes_per_event_files":%s,' "$(calc "$MIX_FILES / $MIX_EVENTS")"
printf '"bytes_per_record":%s,' "$(calc "$MIX_BYTES / ($MIX_RECORDS ? $MIX_RECORDS : 1)")"
printf '"mix_seconds":%s,"mix_events":%s,"mix_records":%s,' "$MIX_SECS" "$MIX_EVENTS" \
	"$MIX_RECORDS"
printf '"rss_kib_end":%s,"rss_kib_capturing":%s,' "${RSS_END_MAX:-0}" "${RSS_CAPTURE_MAX:-0}"
printf '"rss_kib":%s,"max_rate_unpaced":%s,"max_rate_sustained":%s,"seconds_per_rate":%s,' \
	"$RSS_MAX" "$MAX_RAW" "${MAX_SUSTAINED:-0}" "$SECS"
printf '"variants":[%s],' "$(tr '\n' , <$VARIANTS | sed 's/,$//')"
printf '"repeats":[%s],' "$(tr '\n' , </tmp/repeats | sed 's/,$//')"
printf '"rates":[%s]}\n' "$(tr '\n' , <$ROWS | sed 's/,$//')"
echo BENCH-RESULTS-END
