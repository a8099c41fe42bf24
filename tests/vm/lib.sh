# Guest-side helpers for the VM tests (busybox sh). Each check prints "PASS name" or
# "FAIL name: why"; a script exits non-zero if any check failed.
FAILED=0
DATA=/var/lib/evtap
SOCK=/run/evtap/evtap.sock

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; FAILED=1; }

# check NAME CMD...: passes when CMD succeeds.
check() {
	name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name" "$*"; fi
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected '$2', got '$3'"; fi
}

# wait_for SECONDS CMD...: polls CMD (an event's visible effect) until it succeeds.
wait_for() {
	deadline=$(($(date +%s) + $1))
	shift
	until eval "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$deadline" ] && return 1
		usleep 20000
	done
}

start_evtapd() {
	# 3>&-: the daemon must not hold the injector's fifo open.
	evtapd --data-dir "$DATA" "$@" >>/tmp/evtapd.log 2>&1 3>&- &
	EVTAPD=$!
	wait_for 60 evtap status || { echo "evtapd did not start:"; cat /tmp/evtapd.log; }
}

stop_evtapd() {
	kill -TERM "$EVTAPD"
	wait "$EVTAPD"
}

# counter KEY: one counter from "evtap stats", e.g. kernel.emitted.
counter() { evtap stats | awk -v k="$1" '$1 == k { print $2 }'; }

# The injector reads commands from a fifo held open on fd 3 until inject_end.
inject_start() {
	rm -f /tmp/inject.fifo
	mkfifo /tmp/inject.fifo
	evtap-inject </tmp/inject.fifo &
	INJECTOR=$!
	exec 3>/tmp/inject.fifo
	wait_for 30 "evtap devices | grep -q 'evtap test mouse'"
}
inject() { echo "$*" >&3; }
inject_end() {
	exec 3>&-
	wait "$INJECTOR"
}

# Records of the export, as "uid,device,kind,name,value,value2" lines.
export_rows() { evtap export --format csv "$@" | tail -n +2 | cut -d, -f3,4,6,8,9,10; }
count_rows() { export_rows "$@" | wc -l; }

finish() {
	[ "$FAILED" = 0 ] || { echo "--- evtapd log"; tail -n 40 /tmp/evtapd.log; }
	exit "$FAILED"
}
