#!/bin/sh
# The fleet end to end (docs/FLEET.md, "The fleet in the VM"): one nats-server on the guest's
# loopback made by evtap-fleet init, two machines A and B in one guest (each an evtapd with its
# own data dir, key dir, socket, seat file and host id, and its evtap-shipd as evtap-ship), the
# custodian, the eraser and the pipeline. The host types on the emulated PS/2 keyboard at each
# READY-QMP-* line (tests/vm/fleet.host); uinput (evtap-inject) types for the other people.
# ARGS: the sentence, what is typed opted out, what is typed opted in again.
. tests/vm/lib.sh
. tests/vm/fleet-lib.sh

SENTENCE=$1 HIDDEN=$2 AGAIN=$3
SOCK_B=/run/evtap-b/evtap.sock DATA_B=/var/lib/evtap-b
SEAT_A=/run/seat-A SEAT_B=/run/seat-B
STATE_A=/var/lib/evtap-ship-A STATE_B=/var/lib/evtap-ship-B
OUT=/tmp/pull-out
PURPOSE=ai-training

# carol (1002) and dave (1003) besides alice and bob: one opts out, one excludes the purpose.
echo 'carol:x:1002:1002:carol:/home/carol:/bin/sh' >>/etc/passwd
echo 'dave:x:1003:1003:dave:/home/dave:/bin/sh' >>/etc/passwd
printf 'carol:x:1002:\ndave:x:1003:\n' >>/etc/group

evtap_b() { evtap --socket "$SOCK_B" "$@"; }
# as USER MACHINE ARGS...: the CLI as that person on machine A or B.
as() {
	_sock=$SOCK
	[ "$2" = B ] && _sock=$SOCK_B
	_user=$1
	shift 2
	su "$_user" -c "evtap --socket $_sock $*"
}
# seat FILE SOCKET UID|"": who is at machine's seat (atomic, as a session manager writes it),
# then until that machine applied it.
seat() {
	echo "$3" >"$1.tmp" && mv "$1.tmp" "$1"
	if [ -n "$3" ]; then
		wait_for 10 "evtap --socket $2 status --json --user $3 |
			grep -q '\"locked\": *false'"
	else
		wait_for 10 "! evtap --socket $2 status --json --user 1000 | grep -q '\"seat\"'"
	fi
}
rows_b() { evtap_b export --user "$1" --format csv | tail -n +2 | wc -l; }
rows_a() { count_rows --user "$1"; }
opted_out() { evtap --socket "$1" status --json --user "$2" | grep -q '"opted_out": *true'; }
opted_in() { evtap --socket "$1" status --json --user "$2" | grep -q '"opted_out": *false'; }
# timed NAME SECONDS CMD: CMD comes true within SECONDS; says how long it took.
ms() { awk '{ print int($1 * 1000) }' /proc/uptime; }
timed() {
	_t0=$(ms)
	if wait_for "$2" "$3"; then
		pass "$1 ($(($(ms) - _t0)) ms)"
	else
		fail "$1" "not within $2 s: $3"
	fi
}
gated_b() { evtap_b stats | awk '$1 == "kernel.gate_opted_out" { print $2 }'; }
len() { printf %s "$1" | wc -c; }
# new_person KNOWN...: the one person with a key on the stream who is none of KNOWN: each
# person's key is shipped before their first block, so whoever typed last is it.
new_person() {
	fleet_op admin list EVTAP_KEYS | cut -d' ' -f2 | cut -d. -f4 | sort -u >/tmp/persons
	for k in "$@"; do sed -i "/^$k\$/d" /tmp/persons; done
	[ "$(wc -l </tmp/persons)" = 1 ] && cat /tmp/persons
}

T0=$(date +%s)
# --- The fleet: init, one node (init lowers the replicas to it), the purposes. ---
if ! fleet_up machine-a machine-b; then
	fail fleet-up "$(tail -n 5 $FLEET_WORK/init.out)"
	fleet_logs
	fleet_stop
	exit 1
fi
check fleet-init-replicas-lowered grep -q 'replicas: 3 wanted, the cluster has 1 server: 1' \
	$FLEET_WORK/init.out
check fleet-init-streams grep -q 'stream EVTAP_DATA: created (replicas 1)' $FLEET_WORK/init.out
check fleet-purposes evtap-fleet policy set "purposes=$PURPOSE:Train models" --dir "$FLEET_DIR"
HA=$(fleet_host machine-a) HB=$(fleet_host machine-b)

# --- Machines A (evtapd's default data dir and socket, which lib.sh's helpers use) and B. ---
echo 1001 >$SEAT_A
: >$SEAT_B
custodian_start || fail custodian "$(cat $FLEET_WORK/custodian.log)"
eraser_start || fail eraser "$(cat $FLEET_WORK/eraser.log)"
for m in "A machine-a $DATA" "B machine-b $DATA_B $SOCK_B"; do
	set -- $m
	agent_start $1 $2 $3 "${4:-}" "file:/run/seat-$1" && continue
	fail "agent-$1" "did not start"
	fleet_logs
	fleet_stop
	exit 1
done
# The shipper takes evtapd's socket from the [evtapd] section of its file, checked there.
sed '1a socket =' /etc/evtap/A.conf >/etc/evtap/bad.conf
check fleet-shipd-bad-socket-names-the-line sh -c "su -s /bin/sh evtap-ship -c \
	'evtap-shipd -c /etc/evtap/bad.conf' 2>&1 |
	grep -q '/etc/evtap/bad.conf:2: bad value for socket'"
check fleet-shipd-own-pid wait_for 10 "grep -qx evtap-shipd /proc/$SHIPD_B/comm"

# --- The others, on A through uinput: bob types; carol and dave type, then carol opts out and
# dave excludes the purpose (what they shipped stays on the stream). ---
inject_start
for p in "1001 bob BOB" "1002 carol CAROL" "1003 dave DAVE"; do
	set -- $p
	seat $SEAT_A $SOCK "$1"
	inject "type $2"
	wait_for 30 "[ \$(rows_a $1) -ge $((2 * $(len "$2"))) ]"
	wait_for 30 "shipped $STATE_A $1" || fail "shipped-$2" "$(ship_user $STATE_A $1)"
	eval "$3=\$(new_person \$BOB \$CAROL)"
done
check fleet-pseudonyms-of-bob-carol-dave [ ${#BOB} = 32 -a ${#CAROL} = 32 -a ${#DAVE} = 32 ]
as carol A opt-out >/dev/null
as dave A opt-out --purpose $PURPOSE >/dev/null
wait_for 10 "opted_out $SOCK_B 1002" || fail carol-opt-out-on-B "$(evtap_b status --user 1002)"
wait_for 10 "evtap_b status --json --user 1003 | grep -q '\"excluded_purposes\": *\"$PURPOSE\"'" ||
	fail dave-exclusion-on-B "$(evtap_b status --json --user 1003)"

# --- alice types the sentence on the PS/2 keyboard at A; B has no one at its seat. ---
seat $SEAT_A $SOCK 1000
echo READY-QMP-SENTENCE
wait_for 180 "[ \$(rows_a 1000) -ge $((2 * $(len "$SENTENCE"))) ]"
check_eq fleet-ps2-captured-on-A $((2 * $(len "$SENTENCE"))) "$(rows_a 1000)"
check fleet-sentence-shipped wait_for 30 "shipped $STATE_A 1000"
ALICE=$(new_person $BOB $CAROL $DAVE)
check fleet-pseudonym-of-alice [ ${#ALICE} = 32 ]
set -- $(ship_user $STATE_A 1000)
check_eq fleet-stream-holds-alice-blocks "$1" \
	"$(stream_count EVTAP_DATA evtap.v1.data.$ALICE.$HA)"
check_eq fleet-stream-holds-alice-key 1 "$(stream_count EVTAP_KEYS evtap.v1.key.$ALICE.$HA)"
check_eq fleet-B-nothing-without-a-seat 0 "$(rows_b 1000)"
# What the broker holds and sees: ciphertext, pseudonyms, sizes.
fleet_op admin list EVTAP_DATA >/tmp/data.list
fleet_op admin list EVTAP_KEYS >>/tmp/data.list
words=$(echo "$SENTENCE" | tr ' ' '\n' | awk 'length($0) > 3')
for w in $words alice machine-a KEY_; do
	check "fleet-store-no-plaintext: $w" sh -c "! grep -rqa -- '$w' $FLEET_WORK/js"
	check "fleet-subjects-headers-no-plaintext: $w" sh -c "! grep -q -- '$w' /tmp/data.list"
done
check fleet-headers-segment-offset grep -q "evtap.v1.data.$ALICE.$HA [0-9]* .*Evtap-Offset=" \
	/tmp/data.list

# --- Consent follows her: opted out on A, B records nothing of her within 5 s. ---
as alice A opt-out >/dev/null
timed fleet-opt-out-on-A-applied-on-B-within-5s 5 "opted_out $SOCK_B 1000"
seat $SEAT_B $SOCK_B 1000
rows=$(rows_a 1000) gated=$(gated_b)
echo READY-QMP-OPTED-OUT
wait_for 120 "[ \$(gated_b) -ge $((gated + 2 * $(len "$HIDDEN"))) ]"
check_eq fleet-B-gated-her-keys $((gated + 2 * $(len "$HIDDEN"))) "$(gated_b)"
check_eq fleet-B-stored-nothing-of-her 0 "$(rows_b 1000)"
check_eq fleet-A-stored-nothing-more-of-her "$rows" "$(rows_a 1000)"
check_eq fleet-B-shipped-nothing-of-her 0 "$(stream_count EVTAP_DATA evtap.v1.data.$ALICE.$HB)"

# --- She opts in on B: A records again within 5 s; both machines record her now. ---
as alice B opt-in >/dev/null
timed fleet-opt-in-on-B-applied-on-A-within-5s 5 "opted_in $SOCK 1000"
echo READY-QMP-OPTED-IN
wait_for 120 "[ \$(rows_b 1000) -ge $((2 * $(len "$AGAIN"))) ]"
wait_for 30 "[ \$(rows_a 1000) -ge $((rows + 2 * $(len "$AGAIN"))) ]"
check_eq fleet-A-records-again $((rows + 2 * $(len "$AGAIN"))) "$(rows_a 1000)"
check_eq fleet-B-records-her $((2 * $(len "$AGAIN"))) "$(rows_b 1000)"
check fleet-both-shipped wait_for 30 "shipped $STATE_A 1000 && shipped $STATE_B 1000"

# --- The pipeline: her sentence once, at her level, under her pseudonym; carol and dave
# refused, nothing of theirs. ---
pull_run $PURPOSE $OUT
check_eq fleet-pull-refused-exit 3 "$PULL_RC"
check_eq fleet-pull-sentence-from-A "$SENTENCE$AGAIN" "$(typed $OUT "$ALICE" "$HA")"
check_eq fleet-pull-from-B "$AGAIN" "$(typed $OUT "$ALICE" "$HB")"
check_eq fleet-pull-sentence-once 1 "$(typed $OUT "$ALICE" | grep -o "$SENTENCE" | wc -l)"
check_eq fleet-pull-nothing-typed-opted-out 0 "$(typed $OUT "$ALICE" | grep -c "$HIDDEN")"
check_eq fleet-pull-under-her-pseudonym 0 \
	"$(cat $OUT/$ALICE/*.jsonl | grep -vc "^{\"person\":\"$ALICE\",\"host\":\"\($HA\|$HB\)\"")"
check_eq fleet-pull-at-her-level-full key "$(cat $OUT/$ALICE/*.jsonl |
	sed 's/.*"kind":"\([a-z]*\)".*/\1/' | sort -u)"
fleet_op admin dump EVTAP_AUDIT evtap.v1.audit.$ALICE >/tmp/audit.alice
check fleet-release-audited-at-full \
	grep -q "\"purpose\":\"$PURPOSE\".*\"released\":true,\"level\":\"full\"" /tmp/audit.alice
check_eq fleet-pull-bob "bob" "$(typed $OUT $BOB)"
for p in "carol $CAROL opted out" "dave $DAVE purpose excluded"; do
	set -- $p
	check "fleet-pull-nothing-of-$1" [ ! -e "$OUT/$2" ]
	fleet_op admin dump EVTAP_AUDIT evtap.v1.audit.$2 >/tmp/audit.$1
	name=$1
	shift 2
	check "fleet-refusal-audited-$name" grep -q "\"released\":false,\"why\":\"$*\"" \
		/tmp/audit.$name
done

# --- The person's view: each one's access log on A, through A's evtapd and its shipper's
# mirror of A's audit feed: her release; dave's and carol's refusals, and only their own. ---
check fleet-access-log-alice-release wait_for 30 "as alice A access-log --json |
	grep -q '\"purpose\":\"$PURPOSE\",.*\"released\":true,\"level\":\"full\"'"
check_eq fleet-access-log-alice-no-refusal 0 \
	"$(as alice A access-log --json | grep -c '"released":false')"
check fleet-access-log-dave-refusal wait_for 30 "as dave A access-log --json |
	grep -q '\"released\":false,\"why\":\"purpose excluded\"'"
check fleet-access-log-carol-refusal wait_for 30 "as carol A access-log --json |
	grep -q '\"released\":false,\"why\":\"opted out\"'"
check_eq fleet-access-log-carol-only-hers 0 \
	"$(as carol A access-log --json | grep -c '"released":true\|purpose excluded')"

# --- Forget: bob types more, which the pipeline has not read; alice forgets on A. ---
seat $SEAT_B $SOCK_B ""
seat $SEAT_A $SOCK 1001
inject "type later"
wait_for 30 "[ \$(rows_a 1001) -ge 16 ]"
check fleet-bob-later-shipped wait_for 30 "shipped $STATE_A 1001"
as alice A forget >/dev/null
receipts() {
	as alice "$1" forget --status --json | tr -d ' \n' >/tmp/forget.$1
	for r in '"purged":true' "\"machine\":\"$HA\",\"what\":\"local-shred\"" \
		"\"machine\":\"$HB\",\"what\":\"local-shred\""; do
		grep -q "$r" /tmp/forget.$1 || return 1
	done
}
timed fleet-forget-receipts-from-both-machines-and-the-purge 60 "receipts A"
check fleet-forget-status-on-B receipts B
check fleet-forget-custodian-receipt grep -q '"machine":"custodian"' /tmp/forget.A
check_eq fleet-forget-purged-from-the-stream 0 \
	"$(fleet_op admin list EVTAP_DATA | grep -c "\.$ALICE\.")"
check_eq fleet-forget-keys-purged 0 "$(fleet_op admin list EVTAP_KEYS | grep -c "\.$ALICE\.")"
check_eq fleet-forget-shredded-on-A 0 "$(rows_a 1000)"
check_eq fleet-forget-shredded-on-B 0 "$(rows_b 1000)"
pull_run $PURPOSE $OUT
check fleet-forget-partitions-gone [ ! -e "$OUT/$ALICE" ]
# The 2.9.10 purge regression: bob's later blocks, unread by the durable, still arrive.
check_eq fleet-forget-bob-still-delivered "boblater" "$(typed $OUT $BOB)"
check fleet-forget-no-sentence-left sh -c "! cat $OUT/*/*.jsonl | grep -q '\"person\":\"$ALICE\"'"
check fleet-logs-no-content sh -c "! grep -q -e alice -e '$(echo "$SENTENCE" | cut -d' ' -f2)' \
	$FLEET_WORK/*.log"

inject_end
fleet_stop
echo "fleet: $(($(date +%s) - T0)) s in the guest"
[ "$FAILED" = 0 ] || fleet_logs
exit "$FAILED"
