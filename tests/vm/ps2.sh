#!/bin/sh
# Real drivers: the host types on QEMU's emulated PS/2 keyboard (atkbd) and clicks and moves
# its PS/2 mouse (psmouse) over QMP; evtap captures exactly that, from those devices.
. tests/vm/lib.sh

start_evtapd --session-source static:1000 --level full
echo READY-QMP
wait_for 120 '[ "$(export_rows --user 1000 | grep -c ",key,")" -ge 22 ]'
keys=$(export_rows --user 1000 | grep ',key,' | cut -d, -f2,4,5 | sed 's/KEY_//' | tr '\n' ' ')
expected=
for k in H E L L O SPACE W O R L D; do
	expected="${expected}AT Translated Set 2 keyboard,$k,1 AT Translated Set 2 keyboard,$k,0 "
done
check_eq ps2-keyboard-sequence "$expected" "$keys"
check ps2-keyboard-class sh -c "evtap devices | grep -q 'keyboard  AT Translated Set 2 keyboard'"

echo READY-QMP-MOUSE
wait_for 120 '[ "$(export_rows --user 1000 | grep -c ",button,")" -ge 2 ]'
mouse=$(export_rows --user 1000 | grep ',button,' | cut -d,  -f4,5 | tr '\n' ' ')
check_eq ps2-mouse-click "BTN_LEFT,1 BTN_LEFT,0 " "$mouse"
wait_for 60 'export_rows --user 1000 | grep -q ",motion,"'
check_eq ps2-mouse-device mouse "$(evtap export --user 1000 | grep BTN_LEFT | head -n 1 | sed 's/.*"device_class":"\([a-z]*\)".*/\1/')"
check ps2-mouse-name sh -c "evtap export --user 1000 | grep BTN_LEFT | grep -q 'PS/2'"
check_eq ps2-no-drops 0 "$(counter kernel.lost_ringbuf_full)"
check ps2-scancodes-filtered [ "$(counter kernel.filtered)" -ge 22 ]
stop_evtapd
finish
