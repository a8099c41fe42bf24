#!/bin/sh
# The tty session source: the owner of the foreground VT is the active user; a VT owned by
# root is a login prompt, where nothing is captured.
. tests/vm/lib.sh

chown 1000 /dev/tty2
chvt 2
start_evtapd --session-source tty --level full
check tty-alice-active sh -c "evtap status --user 1000 | grep -q 'being recorded now'"
inject_start
inject "type ab"
wait_for 30 '[ "$(export_rows --user 1000 | wc -l)" -ge 4 ]'
check_eq tty-alice-captured 4 "$(export_rows --user 1000 | wc -l)"

chvt 3
wait_for 10 "evtap status --user 1000 | grep -q 'not the active user'"
check tty-login-prompt-no-session sh -c "evtap status --user 1000 | grep -q 'not the active user'"
none=$(counter kernel.gate_no_session)
inject "type cd"
wait_for 30 "[ \$(counter kernel.gate_no_session) -ge \$(($none + 4)) ]"
check_eq tty-nothing-at-prompt 4 "$(export_rows --user 1000 | wc -l)"
inject_end
stop_evtapd
finish
