#!/bin/sh
# The demo's guest side: evtapd captures what the host types and clicks over QMP, then the
# export is printed as a person reads it, with the stats; then the fleet path: the same input
# shipped by evtap-shipd to a nats-server on the guest's loopback, sealed, and read back by the
# pipeline (evtap-pull) through the custodian's consent-checked release.
. tests/vm/lib.sh
. tests/vm/fleet-lib.sh

OUT=/tmp/pull-out
echo "Setting up a one-node fleet on the guest's loopback (evtap-fleet init, nats-server)."
fleet_up demo-machine || { fleet_logs; fleet_stop; exit 1; }
evtap-fleet policy set "purposes=ai-training:Train models" --dir "$FLEET_DIR" >/dev/null
custodian_start || { fleet_logs; fleet_stop; exit 1; }
agent_start demo demo-machine "$DATA" "" static:1000 || { fleet_logs; fleet_stop; exit 1; }
echo "evtapd is running as root, capturing for uid 1000 (alice) at level full, in fleet mode;"
echo "evtap-shipd ships her sealed blocks as the evtap-ship user."
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

echo
echo "=== the fleet: what the broker holds of her (subject, sequence, size in bytes)"
wait_for 30 "shipped /var/lib/evtap-ship-demo 1000"
fleet_op admin list EVTAP_DATA | awk '{ printf "sealed block  %s  seq %s  %s bytes\n", $2, $1, $3 }'
fleet_op admin list EVTAP_KEYS | awk '{ printf "sealed key    %s  seq %s  %s bytes\n", $2, $1, $3 }'
echo "Subjects name pseudonyms: HMAC(pseudonym key, user name) and HMAC(pseudonym key, machine-id)."
for w in "Hello from evtap" Hello alice demo-machine; do
	n=$(grep -rla -- "$w" "$FLEET_WORK/js" | wc -l)
	echo "grep -r '$w' in the broker's store ($FLEET_WORK/js): $n files"
done

echo
echo "=== read back by the pipeline: evtap-pull --purpose ai-training"
pull_run ai-training $OUT
cat "$FLEET_WORK/pull.out"
for f in "$OUT"/*/*.jsonl; do
	echo "$f: $(wc -l <"$f") records, the first:"
	head -n 1 "$f"
done
echo
echo "=== what was typed, rebuilt from the pipeline's output"
cat "$OUT"/*/*.jsonl | grep '"value":1' | grep '"kind":"key"' |
	sed 's/.*"name":"KEY_\([A-Z0-9]*\)".*/\1/' | tr '\n' ' '
echo
echo
echo "=== the person's view: su alice -c 'evtap access-log' (every release and refusal of her data)"
wait_for 30 "su alice -c 'evtap access-log --json' | grep -q '\"released\":true'"
su alice -c 'evtap access-log'
fleet_stop
