#!/bin/sh
# The demo's guest side: evtapd captures what the host types and clicks over QMP, then the
# export is printed as a person reads it, with the stats.
. tests/vm/lib.sh

start_evtapd --session-source static:1000 --level full
echo "evtapd is running as root, capturing for uid 1000 (alice) at level full."
echo READY-QMP
# 33 characters and Enter, 4 of them shifted: 38 presses and 38 releases.
wait_for 180 '[ "$(export_rows --user 1000 | grep -c ",key,")" -ge 76 ]'
echo READY-QMP-MOUSE
wait_for 120 '[ "$(export_rows --user 1000 | grep -c ",button,")" -ge 2 ]'
echo
echo "=== evtap export --user 1000 --format text"
evtap export --user 1000 --format text
echo
echo "=== what was typed, rebuilt from the key records"
evtap export --user 1000 | grep '"value":1' | grep '"kind":"key"' |
	sed 's/.*"name":"KEY_\([A-Z0-9]*\)".*/\1/' | tr '\n' ' '
echo
echo
echo "=== evtap stats"
evtap stats
stop_evtapd
