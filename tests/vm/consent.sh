#!/bin/sh
# Consent, end to end: alice (1000) and bob (1001) take turns on seat0 through the file
# session source; opt-out, pause, levels, locks and permissions are checked on what reaches
# the ring buffer (kernel counters) and what reaches the disk.
. tests/vm/lib.sh

SEAT=/run/evtap-seat
# Atomic, as a session manager would write it; then wait until evtapd applied it.
seat() {
	echo "$1" >$SEAT.tmp && mv $SEAT.tmp $SEAT
	case "$1" in
	*locked) wait_for 10 "evtap status --json --user ${1% *} | grep -q '\"locked\": *true'" ;;
	"") wait_for 10 "! evtap status --json --user 1000 | grep -q '\"seat\"'" ;;
	*) wait_for 10 "evtap status --json --user $1 | grep -q '\"locked\": *false'" ;;
	esac
}
rows_of() { export_rows --user "$1"; }
# The time of the last audited change of this op: what follows it obeys the new setting.
last_change() { evtap audit | grep "\"op\":\"$1\"" | tail -n 1 | sed 's/.*"ts":"\([^"]*\)".*/\1/'; }
# Waits until the kernel counted N more events under counter $1 than $2.
wait_counter() { wait_for 30 "[ \$(counter $1) -ge \$(($2 + $3)) ]"; }

mkdir -p /run
echo 1000 >$SEAT
start_evtapd --session-source file:$SEAT --level full --default-consent record
inject_start

# alice types; bob opts out and types: zero records of his reach the ring buffer.
inject "type ab"
wait_for 30 '[ "$(rows_of 1000 | wc -l)" -ge 4 ]'
seat 1001
su bob -c 'evtap opt-out' >/dev/null
check bob-opt-out-acknowledged sh -c "su bob -c 'evtap status' | grep -q 'you opted out'"
emitted=$(counter kernel.emitted)
gated=$(counter kernel.gate_opted_out)
inject "type cd"
wait_counter kernel.gate_opted_out "$gated" 4
check_eq bob-nothing-in-ringbuf "$emitted" "$(counter kernel.emitted)"
seat 1000
inject "type ef"
wait_for 30 '[ "$(rows_of 1000 | wc -l)" -ge 8 ]'
check_eq alice-complete "KEY_A KEY_A KEY_B KEY_B KEY_E KEY_E KEY_F KEY_F" \
	"$(rows_of 1000 | cut -d, -f4 | tr '\n' ' ' | sed 's/ $//')"
check_eq bob-nothing-stored 0 "$(rows_of 1001 | wc -l)"
check bob-no-store-dir [ ! -e $DATA/1001 ]

# A switch of the active user in the middle of a stream.
su bob -c 'evtap opt-in' >/dev/null
inject "type gh"
wait_for 30 '[ "$(rows_of 1000 | wc -l)" -ge 12 ]'
seat 1001
inject "type ij"
wait_for 30 '[ "$(rows_of 1001 | wc -l)" -ge 4 ]'
seat 1000
inject "type kl"
wait_for 30 '[ "$(rows_of 1000 | wc -l)" -ge 16 ]'
check_eq switch-alice "G G H H K K L L" \
	"$(rows_of 1000 | tail -n 8 | cut -d, -f4 | sed 's/KEY_//' | tr '\n' ' ' | sed 's/ $//')"
check_eq switch-bob "I I J J" \
	"$(rows_of 1001 | cut -d, -f4 | sed 's/KEY_//' | tr '\n' ' ' | sed 's/ $//')"

# Opt-out under a continuous stream: nothing stamped after the acknowledgment is stored.
seat 1001
evtap-inject --loop 3>&- &
LOOP=$!
wait_for 30 '[ "$(rows_of 1001 | wc -l)" -ge 200 ]'
su bob -c 'evtap opt-out' >/dev/null
gated=$(counter kernel.gate_opted_out)
wait_counter kernel.gate_opted_out "$gated" 500
kill -TERM $LOOP
wait $LOOP
ack=$(last_change opt-out)
last=$(evtap export --user 1001 | tail -n 1 | sed 's/.*"ts":"\([^"]*\)".*/\1/')
check opt-out-under-stream [ -n "$ack" -a -n "$last" -a "$last" \< "$ack" ]
bob_rows=$(rows_of 1001 | wc -l)

# Restarted with bob opted out while he types through the start-up.
stop_evtapd
evtap-inject --loop 3>&- &
LOOP=$!
start_evtapd --session-source file:$SEAT --level full
gated=$(counter kernel.gate_opted_out)
wait_counter kernel.gate_opted_out "$gated" 200
kill -TERM $LOOP
wait $LOOP
check_eq restart-bob-opted-out "$bob_rows" "$(rows_of 1001 | wc -l)"
check_eq restart-no-emitted 0 "$(counter kernel.emitted)"

# Level classes: no key code leaves the kernel.
seat 1000
su alice -c 'evtap level classes' >/dev/null
since=$(last_change level)
inject "type a1 ."
inject "press KEY_LEFTSHIFT"
wait_for 30 "[ \$(evtap export --user 1000 --since $since | grep -c keyclass) -ge 10 ]"
check_eq classes-sequence "letter letter digit digit space space punct punct modifier modifier" \
	"$(evtap export --user 1000 --since $since | sed 's/.*"class":"\([a-z]*\)".*/\1/' |
		tr '\n' ' ' | sed 's/ $//')"
check classes-no-key-code sh -c "! evtap export --user 1000 --since $since | grep -q '\"code\"\\|KEY_'"
check classes-csv-no-key-code sh -c "! evtap export --user 1000 --since $since --format csv | grep -q KEY_"

# Level counts: only count records.
su alice -c 'evtap level counts' >/dev/null
since=$(last_change level)
inject "type abc"
inject "click BTN_LEFT"
wait_for 30 "evtap export --user 1000 --since $since | grep -q '\"kind\":\"counts\"'"
check_eq counts-only "counts" "$(evtap export --user 1000 --since $since | sed 's/.*"kind":"\([a-z]*\)".*/\1/' | sort -u)"
check counts-letters sh -c "evtap export --user 1000 --since $since | grep -q '\"letter\":3'"
check counts-clicks sh -c "evtap export --user 1000 --since $since | grep -q '\"clicks\":1'"
su alice -c 'evtap level full' >/dev/null

# Locked session and no session: nothing captured.
rows=$(rows_of 1000 | wc -l)
seat "1000 locked"
locked=$(counter kernel.gate_locked)
inject "type xy"
wait_counter kernel.gate_locked "$locked" 4
seat ""
none=$(counter kernel.gate_no_session)
inject "type xy"
wait_counter kernel.gate_no_session "$none" 4
seat 1000
check_eq locked-and-no-session-nothing "$rows" "$(rows_of 1000 | wc -l)"

# Pause: nothing until it ends; status says until when.
su alice -c 'evtap pause 15m' >/dev/null
check pause-status sh -c "su alice -c 'evtap status' | grep -q 'Paused until'"
paused=$(counter kernel.gate_paused)
inject "type xy"
wait_counter kernel.gate_paused "$paused" 4
su alice -c 'evtap opt-in' >/dev/null

# Unprivileged: bob cannot touch alice's consent or data; each attempt is refused and audited.
for cmd in "opt-out --user alice" "level full --user 1000" "export --user alice" \
	"forget --user alice" "audit" "stats" "export --all"; do
	out=$(su bob -c "evtap $cmd" 2>&1)
	case "$out" in *"permission denied"*) pass "bob-refused: $cmd" ;;
	*) fail "bob-refused: $cmd" "$out" ;; esac
done
check bob-cannot-read-data-dir sh -c "! su bob -c 'ls $DATA' 2>/dev/null"
check bob-cannot-read-audit sh -c "! su bob -c 'cat $DATA/audit.log' 2>/dev/null"
check_eq refusals-audited 7 "$(evtap audit | grep '"caller_uid":1001' | grep -c 'permission denied')"
# Both of bob's opt-outs start from the default: his opt-in in between removed his entry
# (docs/CONSENT.md, "A full table").
check_eq audit-logs-changes 2 "$(evtap audit | grep '"op":"opt-out"' |
	grep -c '"old":"default","new":"opted-out')"

# Forget: alice erases her own data, and only hers.
su alice -c 'evtap forget' >/dev/null
check_eq forget-alice 0 "$(rows_of 1000 | wc -l)"
check forget-keeps-bob [ "$(rows_of 1001 | wc -l)" -gt 0 ]
check forget-audited sh -c "evtap audit | grep -q '\"op\":\"forget\",\"uid\":1000'"

# Consent persisted, root-only.
check consent-file-0600 [ "$(stat -c %a $DATA/consent.conf)" = 600 ]
inject_end
stop_evtapd
finish
