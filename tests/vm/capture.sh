#!/bin/sh
# Capture core, end to end on Debian's kernel: a uinput keyboard and mouse inject known
# sequences and `evtap export` returns exactly them, in order, with the right device names.
. tests/vm/lib.sh

start_evtapd --session-source static:1000 --level full
check evtapd-attached sh -c "bpftool prog show | grep -q evtap_input_event"
check_no_root_evtapd evtapd-not-root

inject_start
inject_known_sequence
check_known_sequence export-exact-sequence
inject_end

missing=
line=$(evtap export --user 1000 | grep '"name":"KEY_H"' | head -n 1)
for key in '"ts":"20' '"ts_ns":' '"uid":1000' '"device":"evtap test keyboard"' \
	'"kind":"key"' '"code":35' '"value":1' '"device_class":"keyboard"'; do
	case "$line" in *"$key"*) ;; *) missing="$missing $key" ;; esac
done
motion=$(evtap export --user 1000 | grep '"kind":"motion"')
case "$motion" in *'"dx":10,"dy":-4'*) pass jsonl-motion ;; *) fail jsonl-motion "$motion" ;; esac
check_eq jsonl-schema "" "$missing"

check_eq no-ringbuf-drops 0 "$(counter kernel.lost_ringbuf_full)"
check_eq no-frame-drops 0 "$(counter kernel.lost_frame_map_full)"
check scancodes-filtered-in-kernel [ "$(counter kernel.filtered)" -ge 1 ]
check no-scancode-stored sh -c "! evtap export --user 1000 | grep -q MSC"
check devices-classified sh -c "evtap devices | grep -q 'mouse .*evtap test mouse'"

# Since/until select by time.
first_ns=$(evtap export --user 1000 | head -n 1 | sed 's/.*"ts_ns":\([0-9]*\).*/\1/')
check_eq export-until-excludes 0 "$(count_rows --user 1000 --until "$(( first_ns / 1000000000 ))")"
check_eq export-since-all 14 "$(count_rows --user 1000 --since "$(( first_ns / 1000000000 ))")"

# SIGTERM loses nothing injected before it: the injector's writes ran the kernel program
# synchronously, so every record is in the ring buffer when the signal arrives.
echo "burst 500" | evtap-inject
stop_evtapd
check_eq sigterm-exit-0 0 "$?"
start_evtapd --session-source static:1000 --level full
check_eq sigterm-loses-nothing 1002 "$(export_rows --user 1000 | grep -c ',KEY_A,')"

# Store files are root-only.
check data-dir-0700 [ "$(stat -c %a $DATA)" = 700 ]
check store-files-0600 sh -c "! find $DATA -type f ! -perm 600 | grep -q ."
stop_evtapd
finish
