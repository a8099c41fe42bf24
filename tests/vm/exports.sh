#!/bin/sh
# Exports that are never read: capped per user, each child holding only its own client's
# socket and no blocked signal; another user's export completes meanwhile, and the daemon
# stops within 5 s, ending them.
. tests/vm/lib.sh

# The pids of evtapd's children.
children() {
	for s in /proc/[0-9]*/stat; do
		awk -v p="$EVTAPD" '$4 == p { print $1 }' "$s" 2>/dev/null
	done
}

start_evtapd --session-source static:1000 --level full
inject_start
inject "type hi"
wait_for 30 '[ "$(count_rows --user 1000)" -ge 4 ]'
inject_end
# An audit log large enough (3 MB) that a reader who never reads blocks its child.
yes '{"ts":"2026-01-01T00:00:00.000000Z","caller_uid":0,"op":"filler","result":"ok"}' |
	head -n 40000 >>"$DATA/audit.log"
i=0
while [ $i -lt 20 ]; do
	evtap audit 2>>/tmp/refused | sleep 600 &
	i=$((i + 1))
done
wait_for 20 '[ "$(grep -c "too many exports in progress" /tmp/refused)" -ge 16 ]'
check over-cap-refused grep -q 'too many exports in progress: at most 4 at once per user' \
	/tmp/refused
check_eq over-cap-refused-count 16 "$(grep -c 'too many exports' /tmp/refused)"
pids=$(children)
check_eq children-capped 4 "$(echo $pids | wc -w)"
for p in $pids; do
	check_eq "child-$p-one-socket" 1 "$(ls -l /proc/$p/fd | grep -c 'socket:')"
	check_eq "child-$p-no-blocked-signal" 0000000000000000 \
		"$(awk '$1 == "SigBlk:" { print $2 }' /proc/$p/status)"
done
check alice-export-completes sh -c \
	"timeout 10 su alice -c 'evtap export --format csv' | grep -q KEY_H"

start=$(date +%s)
stop_evtapd
check stops-within-5s [ $(($(date +%s) - start)) -le 5 ]
left=
for p in $pids; do [ -d /proc/$p ] && left="$left $p"; done
check_eq children-ended "" "$left"
finish
