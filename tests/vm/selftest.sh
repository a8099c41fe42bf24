#!/bin/sh
# Guest side of vmtest/selftest, which proves the VM harness (run it with that, not alone).
#   selftest.sh          checks the guest's devices, filesystems, users and tools
#   selftest.sh exit N   exits with status N (the host checks that it is propagated)
#   selftest.sh qmp      checks the events that the host types and clicks through vmtest/qmp.py
# Prints one "PASS name" or "FAIL name" line per check; exits 1 if any failed.

failed=0
check() { # check NAME COMMAND...: runs COMMAND, prints PASS or FAIL NAME.
	name=$1
	shift
	if "$@"; then echo "PASS $name"; else echo "FAIL $name" && failed=1; fi
}

# The /dev/input/eventN whose device name contains $1.
event_dev() {
	for d in /sys/class/input/event*; do
		grep -q "$1" "$d/device/name" 2>/dev/null && echo "/dev/input/${d##*/}" && return
	done
}

# Decodes a file of struct input_event (24 bytes on x86_64: 16 of time, u16 type, u16 code,
# s32 value) into "type code value" lines, joined by "|".
decode() {
	od -An -v -w24 -tu2 "$1" |
		awk '{ v = $11 + $12 * 65536; if (v >= 2147483648) v -= 4294967296; printf "%s%d %d %d", sep, $9, $10, v; sep = "|" }'
}

# Waits until file $1 holds at least $2 bytes, polling; gives up after 120 s (TCG is slow).
wait_bytes() {
	end=$(($(date +%s) + 120))
	while [ "$(stat -c %s "$1")" -lt "$2" ]; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# check_events NAME FILE EXPECTED: waits for as many events as EXPECTED lists, then compares.
check_events() {
	n=$(echo "$3" | awk -F'|' '{ print NF }')
	wait_bytes "$2" $((n * 24)) || echo "  $1: timed out with $(stat -c %s "$2") bytes"
	got=$(decode "$2")
	[ "$got" = "$3" ] || echo "  $1: expected $3"
	[ "$got" = "$3" ] || echo "  $1: got      $got"
	check "$1" [ "$got" = "$3" ]
}

case ${1:-} in
exit)
	exit "$2"
	;;
qmp)
	kbd=$(event_dev "AT Translated Set 2 keyboard")
	mouse=$(event_dev "PS/2")
	cat "$kbd" >/tmp/kbd.raw &
	cat "$mouse" >/tmp/mouse.raw &
	echo READY-QMP
	# "ab": per key MSC_SCAN (4 4 scancode), KEY (1 code 1|0), SYN (0 0 0), press and release.
	check_events qmp-keyboard /tmp/kbd.raw \
		"4 4 30|1 30 1|0 0 0|4 4 30|1 30 0|0 0 0|4 4 48|1 48 1|0 0 0|4 4 48|1 48 0|0 0 0"
	echo READY-QMP-MOUSE
	# move 10 -5: REL_X, REL_Y, SYN; click: BTN_LEFT down and up; wheel 1: REL_WHEEL.
	check_events qmp-mouse /tmp/mouse.raw \
		"2 0 10|2 1 -5|0 0 0|1 272 1|0 0 0|1 272 0|0 0 0|2 8 1|0 0 0"
	;;
*)
	check uinput [ -c /dev/uinput ]
	kbd=$(event_dev "AT Translated Set 2 keyboard")
	check at-keyboard [ -c "${kbd:-/nonexistent}" ]
	mouse=$(event_dev "PS/2")
	check ps2-mouse [ -c "${mouse:-/nonexistent}" ]
	check bpffs grep -q '^bpffs /sys/fs/bpf bpf ' /proc/mounts
	check tracefs [ -e /sys/kernel/tracing/trace_pipe ]
	check btf [ -e /sys/kernel/btf/vmlinux ]
	check su-bob [ "$(su bob -c 'id -u')" = 1001 ]
	check su-alice [ "$(su alice -c 'id -u; echo $HOME')" = "$(printf '1000\n/home/alice')" ]
	check bpftool sh -c 'bpftool version | grep -q "^bpftool v"'
	check writable-dirs sh -c 'touch /tmp/x /run/x /var/lib/x && su alice -c "touch /tmp/y"'
	;;
esac
exit $failed
