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

# wait_for SECONDS CMD...: polls CMD (an event's visible effect) until it succeeds. A
# fractional sleep works in busybox and in Debian's sleep, so that package.sh (dash) shares it.
wait_for() {
	deadline=$(($(date +%s) + $1))
	shift
	until eval "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$deadline" ] && return 1
		sleep 0.02
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

# After start-up no evtapd process may be uid 0: the loader child has exited and the daemon
# runs as the evtap user, in all four of its uids (real, effective, saved, file system). PIDs
# come from `pidof` (busybox) or `pgrep -x` (procps, under systemd).
check_no_root_evtapd() {
	pids=$(pidof evtapd 2>/dev/null || pgrep -x evtapd)
	uids=$(for p in $pids; do awk '$1 == "Uid:" { print $2, $3, $4, $5 }' /proc/"$p"/status; done)
	if [ -z "$pids" ]; then fail "$1" "no evtapd process"
	elif [ "$(echo "$pids" | wc -w)" != 1 ]; then fail "$1" "evtapd processes: $pids"
	elif echo "$uids" | grep -qw 0; then fail "$1" "uids: $uids"
	else pass "$1"; fi
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

# The capture tests' known sequence (the injector must be running), and the check that export
# returns exactly its 14 records for uid 1000, in order, with the right device names.
inject_known_sequence() {
	inject "type hi"
	inject "key KEY_LEFTSHIFT 1"
	inject "press KEY_A"
	inject "key KEY_LEFTSHIFT 0"
	inject "scan 30"
	inject "click BTN_LEFT"
	inject "move 10 -4"
	inject "wheel -2"
	inject "click BTN_RIGHT"
}
check_known_sequence() {
	K="1000,evtap test keyboard"
	M="1000,evtap test mouse"
	cat >/tmp/expected <<EOT
$K,key,KEY_H,1,0
$K,key,KEY_H,0,0
$K,key,KEY_I,1,0
$K,key,KEY_I,0,0
$K,key,KEY_LEFTSHIFT,1,0
$K,key,KEY_A,1,0
$K,key,KEY_A,0,0
$K,key,KEY_LEFTSHIFT,0,0
$M,button,BTN_LEFT,1,0
$M,button,BTN_LEFT,0,0
$M,motion,REL_XY,10,-4
$M,wheel,REL_WHEEL,-2,0
$M,button,BTN_RIGHT,1,0
$M,button,BTN_RIGHT,0,0
EOT
	wait_for 30 '[ "$(count_rows --user 1000)" -ge 14 ]'
	export_rows --user 1000 >/tmp/actual
	if cmp -s /tmp/expected /tmp/actual; then pass "$1"; else
		fail "$1" "diff below"
		diff /tmp/expected /tmp/actual
	fi
}

finish() {
	[ "$FAILED" = 0 ] || { echo "--- evtapd log"; tail -n 40 /tmp/evtapd.log; }
	exit "$FAILED"
}
