#!/bin/sh
# The store under stress, end to end: a data dir on a full tmpfs (the daemon survives, keeps
# enforcing consent, counts the loss and resumes once space is back), kill -9 at random points
# of a stream (after each restart, everything persisted is exported exactly once and nothing is
# corrupt), no plaintext on disk, and a lost key dir that comes back after two restarts without
# it (nothing was cut meanwhile: every record reads again).
. tests/vm/lib.sh

KILLS=${1:-50} # kill -9 rounds: an argument of the script
ARGS="--session-source static:1000 --level full --flush-interval 100ms"
# CSV rows without the formatted time: ts_ns and the rest, unique per record.
rows() { evtap export --format csv --user 1000 | tail -n +2 | cut -d, -f2-; }
# Export reports each skipped block in the daemon log: none may appear.
corrupt_reports() { grep -c 'skipped:' /tmp/evtapd.log; }
random_us() { awk -v max="$1" 'BEGIN { srand(); print int(rand() * max) }'; }

# (a) A full disk: records are counted lost, the daemon lives on, and persisting resumes.
mkdir -p /mnt/small
mount -t tmpfs -o size=2m,mode=0755 tmpfs /mnt/small
DATA=/mnt/small/evtap
start_evtapd $ARGS
inject_start
inject "burst 100"
wait_for 30 '[ "$(counter store.records_persisted)" -ge 200 ]'
dd if=/dev/zero of=/mnt/small/filler bs=4k 2>/dev/null
inject "burst 3000"
wait_for 60 '[ "$(counter store.unpersisted.no_space)" -gt 0 ]'
check enospc-counted [ "$(counter store.unpersisted.no_space)" -gt 0 ]
check enospc-daemon-alive kill -0 "$EVTAPD"
su alice -c 'evtap opt-out' >/dev/null
emitted=$(counter kernel.emitted)
gated=$(counter kernel.gate_opted_out)
inject "burst 10"
wait_for 30 "[ \$(counter kernel.gate_opted_out) -ge $((gated + 20)) ]"
check_eq enospc-consent-enforced "$emitted" "$(counter kernel.emitted)"
su alice -c 'evtap opt-in' >/dev/null
rm /mnt/small/filler
persisted=$(counter store.records_persisted)
inject "burst 100"
wait_for 30 "[ \$(counter store.records_persisted) -ge $((persisted + 200)) ]"
check enospc-resumes [ "$(counter store.records_persisted)" -ge $((persisted + 200)) ]
check enospc-export-ok sh -c 'evtap export --user 1000 >/dev/null'
check_eq enospc-nothing-corrupt 0 "$(corrupt_reports)"
inject_end
stop_evtapd
check no-plaintext-small sh -c "! grep -r 'evtap test keyboard' $DATA"
umount /mnt/small

# (b) kill -9 at random points of a stream; each restart repairs the tail and loses nothing
# that was reported persisted.
DATA=/var/lib/evtap
start_evtapd $ARGS
inject_start
lost=0 dup=0 bad=0
i=0
while [ $i -lt "$KILLS" ]; do
	before=$(rows | wc -l)
	inject "burst 300"
	usleep "$(random_us 400000)"
	persisted=$(counter store.records_persisted)
	kill -KILL "$EVTAPD"
	wait "$EVTAPD" 2>/dev/null
	start_evtapd $ARGS
	rows >/tmp/rows
	after=$(wc -l </tmp/rows)
	if [ "$after" -lt $((before + persisted)) ]; then
		lost=$((lost + 1))
		echo "kill $i: $after records, want >= $before + $persisted"
	fi
	[ -z "$(sort /tmp/rows | uniq -d | head -n 1)" ] || dup=$((dup + 1))
	[ "$(corrupt_reports)" = 0 ] || bad=$((bad + 1))
	i=$((i + 1))
done
check_eq kill9-nothing-persisted-lost 0 "$lost"
check_eq kill9-no-duplicates 0 "$dup"
check_eq kill9-nothing-corrupt 0 "$bad"
echo "kill -9: $KILLS kills, $(grep -c 'damaged tail cut' /tmp/evtapd.log) tails cut"
inject_end

# (c) Nothing readable on disk: not even the device names.
check no-plaintext sh -c "! grep -r 'evtap test keyboard' $DATA"
check key-dir-0700 [ "$(stat -c %a /var/lib/evtap-keys)" = 700 ]
check key-files-0600 sh -c "! find /var/lib/evtap-keys -type f ! -perm 600 | grep -q ."
stop_evtapd

# (d) The key dir is lost: the first start makes new keys, the second reads the old segments
# with them. Neither may cut anything: once the old key dir is back, the export is the same.
KEYS=/var/lib/evtap-keys
start_evtapd $ARGS
inject_start
inject "burst 100"
wait_for 30 '[ "$(counter store.records_persisted)" -ge 200 ]'
inject_end
rows >/tmp/rows.before
stop_evtapd
mv $KEYS $KEYS.saved
for run in 1 2; do
	start_evtapd $ARGS
	stop_evtapd
done
# Meanwhile the old segment is skipped, and an export says it is incomplete.
start_evtapd $ARGS
evtap export --user 1000 >/dev/null 2>/tmp/export.err
check_eq key-loss-export-incomplete 4 $?
check key-loss-export-says-why grep -q 'blocks were skipped' /tmp/export.err
stop_evtapd
mv $KEYS $KEYS.new
mv $KEYS.saved $KEYS
start_evtapd $ARGS
rows >/tmp/rows.after
check key-loss-export-unchanged cmp -s /tmp/rows.before /tmp/rows.after
check key-loss-had-records [ "$(wc -l </tmp/rows.before)" -ge 200 ]
check key-loss-export-whole sh -c 'evtap export --user 1000 >/dev/null'
stop_evtapd
finish
