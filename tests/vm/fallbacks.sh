#!/bin/sh
# Kernel fallbacks, end to end on Debian's kernel: the perf buffer (--buffer perf), kprobes
# (--attach kprobe) and both together capture exactly what the default path does, lose
# nothing, and gate an opted-out user in the kernel the same way.
. tests/vm/lib.sh

SEAT=/run/evtap-seat
# Atomic, as a session manager would write it; then wait until evtapd applied it.
seat() {
	echo "$1" >$SEAT.tmp && mv $SEAT.tmp $SEAT
	wait_for 10 "evtap status --json --user $1 | grep -q '\"locked\": *false'"
}

check probe-would-use-fallbacks sh -c "evtapd --probe --buffer perf --attach kprobe |
	grep -q '^evtapd would use: kprobes on input_event and input_inject_event, the perf buffer'"

# run TAG BUFFER ATTACH FLAGS...: the capture sequence and the consent gate on one path.
run() {
	tag=$1 buffer=$2 attach=$3
	shift 3
	DATA=/var/lib/evtap-$tag
	rm -rf "$DATA"
	mkdir -p /run
	echo 1000 >$SEAT
	: >/tmp/evtapd.log
	start_evtapd --session-source file:$SEAT --level full --default-consent record "$@"
	check_eq "$tag-buffer" "$buffer" "$(counter kernel_path.buffer)"
	check_eq "$tag-attach" "$attach" "$(counter kernel_path.attach)"
	check "$tag-logged" grep -q "kernel path: buffer $buffer .*attach $attach" /tmp/evtapd.log
	if [ "$attach" = kprobe ]; then
		check "$tag-bpftool-kprobes" sh -c "bpftool prog show |
			grep -q 'kprobe  name evtap_kp_input_event ' &&
			bpftool prog show | grep -q 'kprobe  name evtap_kp_input_inject_event '"
		check "$tag-no-fentry" sh -c "! bpftool prog show | grep -q 'name evtap_input_event'"
	else
		check "$tag-bpftool-fentry" sh -c "bpftool prog show | grep -q 'name evtap_input_event'"
	fi

	inject_start
	inject_known_sequence
	check_known_sequence "$tag-exact-sequence"

	# bob opts out and types: the kernel gates every event, nothing is emitted or stored.
	seat 1001
	su bob -c 'evtap opt-out' >/dev/null
	emitted=$(counter kernel.emitted)
	gated=$(counter kernel.gate_opted_out)
	inject "type cd"
	wait_for 30 "[ \$(counter kernel.gate_opted_out) -ge $((gated + 4)) ]"
	check "$tag-gate-opted-out" [ "$(counter kernel.gate_opted_out)" -ge $((gated + 4)) ]
	check_eq "$tag-gate-nothing-emitted" "$emitted" "$(counter kernel.emitted)"
	check_eq "$tag-gate-nothing-stored" 0 "$(export_rows --user 1001 | wc -l)"
	seat 1000
	inject_end

	check_eq "$tag-no-kernel-loss" 0 "$(counter kernel.lost_ringbuf_full)"
	check_eq "$tag-no-perf-loss" 0 "$(counter collector.lost_perf_buffer)"
	check_eq "$tag-no-frame-loss" 0 "$(counter kernel.lost_frame_map_full)"
	check_eq "$tag-nothing-malformed" 0 "$(counter collector.malformed)"
	stop_evtapd
	check_eq "$tag-sigterm-exit-0" 0 "$?"
}

run perf perf fentry --buffer perf
run kprobe ringbuf kprobe --attach kprobe
run both perf kprobe --buffer perf --attach kprobe
finish
