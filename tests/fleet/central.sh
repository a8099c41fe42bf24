#!/bin/bash
# The central suite (docs/FLEET.md, "The custodian", "The pipeline"): a real nats-server on
# 127.0.0.1 set up by evtap-fleet init; agents' messages made by evtap-central-pub (real
# sealed blocks and keys, in the wire format); evtap-custodian, evtap-pull and evtap-erase as
# they run. People: alice (full), bob (opted out), carol (excluded ai-training), dave (classes),
# erin (many blocks, for the restarts). Prints PASS/FAIL lines. EVTAP_FLEET_PORT_BASE moves the
# ports (default 14500).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
FLEET=$BUILD/evtap-fleet
FLEET_OP=$BUILD/fleet/evtap-fleet-op
PUB=$BUILD/tests/evtap-central-pub
export EVTAP_FLEET_PORT_BASE=${EVTAP_FLEET_PORT_BASE:-14500}
. tests/fleet/lib.sh

make -s -j2 test-fleet-central >/dev/null || { echo "FAIL central-build"; exit 1; }
command -v nats-server >/dev/null || { echo "FAIL central-nats-server-missing"; exit 1; }

W=$(mktemp -d /tmp/evtap-central.XXXXXX)
DIR=$W/fleet
OUT=$W/out
PIDS=()
stop() { # by its own pid, waited for; kill -9 after 5 s
	local i
	kill "$1" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		stop "$p"
	done
	fleet_stop
	# KEEP=1 keeps the work directory (logs, output, the servers' store) to look into.
	[ -n "${KEEP:-}" ] && echo "kept $W" || rm -rf "$W"
}
trap cleanup EXIT
FLEET_NODES=1
SERVERS=$(fleet_servers)
SENTENCE="the quick brown fox jumps"

ok() { echo "PASS $1"; }
bad() { echo "FAIL $1${2:+: $2}"; }
check() { # check NAME CMD...
	local name=$1
	shift
	if "$@" >"$W/last" 2>&1; then ok "$name"; else bad "$name" "$(tail -c 300 "$W/last")"; fi
}
refused() { # refused NAME ROLE OP...: the server refuses ROLE's operation
	local name=$1 role=$2
	shift 2
	if "$FLEET_OP" "$SERVERS" "$DIR/auth/$role.auth" "$@" >/dev/null 2>&1; then
		bad "$name" "allowed"
	else
		ok "$name"
	fi
}
as() {
	local role=$1
	shift
	"$FLEET_OP" "$SERVERS" "$DIR/auth/$role.auth" "$@"
}
# pub USER UID SEQ LEVEL TEXT [BLOCKS]: publishes as machine mid-a's agent; prints the pseudonyms.
pub() {
	"$PUB" "$SERVERS" "$DIR/auth/agent-$HA.auth" "$DIR/pseudonym.key" "$DIR/custodian.pub" mid-a \
		"$1" "$2" "$W/key-$1" "$3" "$4" "$5" "${6:-1}"
}
# text PERSON: the letters and spaces of PERSON's key presses in the output, in order.
text() {
	cat "$OUT/$1"/*.jsonl 2>/dev/null | python3 -c '
import json, sys
s = ""
for line in sys.stdin:
    r = json.loads(line)
    if r["kind"] == "key" and r["value"] == 1:
        n = r["name"][4:]
        s += " " if n == "SPACE" else n.lower()
print(s)'
}
pull() { # runs evtap-pull until IDLE (3) s without a message; its exit status is kept in $W/rc
	"$BUILD/evtap-pull" -c "$W/pull.conf" --purpose "${PURPOSE:-ai-training}" --out "$OUT" \
		--idle-exit "${IDLE:-3}" --key-ttl "${TTL:-300}" >"$W/pull.out" 2>>"$W/pull.log"
	echo $? >"$W/rc"
}
start_custodian() {
	"$BUILD/evtap-custodian" -c "$W/custodian.conf" -k "$DIR/custodian.sec" \
		>>"$W/custodian.log" 2>&1 &
	CUSTODIAN=$!
	PIDS+=($CUSTODIAN)
}
conf() { printf '[fleet]\nservers = %s\ncredentials = %s\n' "$SERVERS" "$DIR/auth/$1.auth"; }
consent() { # consent PERSON JSON-FIELDS
	as admin kvput evtap-consent "$1" "{\"changed\":1,\"origin\":\"$HA\",$2}" >/dev/null
}

# --- set-up: init, one node, the streams, the purposes ---
"$FLEET" init --servers "$SERVERS" --dir "$DIR" --host mid-a >"$W/init.out" 2>&1
HA=$(sed -n "s/.*machine-id mid-a (host \([0-9a-f]*\)).*/\1/p" "$W/init.out" | head -1)
fleet_start 1 "$W/nodes" "$DIR" || { echo "FAIL central-servers"; exit 1; }
"$FLEET" init --servers "$SERVERS" --dir "$DIR" >>"$W/init.out" 2>&1
check purposes_set "$FLEET" policy set \
	"purposes=ai-training:Train models,security:Detect intrusions" --dir "$DIR"
for role in custodian pipeline eraser; do conf $role >"$W/$role.conf"; done
mv "$W/pipeline.conf" "$W/pull.conf"
mkdir -p "$OUT"

read -r ALICE H < <(pub alice 1000 0 full "$SENTENCE")
read -r BOB _ < <(pub bob 1001 0 full "bob was here")
read -r CAROL _ < <(pub carol 1002 0 full "carol was here")
read -r DAVE _ < <(pub dave 1003 0 full "dave typed this")
pub dave 1003 1 classes "dave typed this" >/dev/null
[ "$H" = "$HA" ] && [ ${#ALICE} = 32 ] && ok publish || bad publish "host $H, init said $HA"
consent "$ALICE" '"opted_out":false,"level":"full","paused_until":0'
consent "$BOB" '"opted_out":true,"level":"full","paused_until":0'
consent "$CAROL" '"opted_out":false,"level":"full","paused_until":0,
	"excluded_purposes":["ai-training"]'
consent "$DAVE" '"opted_out":false,"level":"classes","paused_until":0'

# --- separation of duties: each role's forbidden operation ---
refused perm_pipeline_no_keys_consumer pipeline consumer EVTAP_KEYS k
refused perm_pipeline_no_key_get pipeline get EVTAP_KEYS 1
refused perm_pipeline_no_audit_write pipeline pub evtap.v1.audit.x
refused perm_custodian_no_data_consumer custodian consumer EVTAP_DATA evtap-pull
refused perm_custodian_no_data_get custodian get EVTAP_DATA 1
refused perm_eraser_no_data_read eraser get EVTAP_DATA 1
refused perm_eraser_no_key_read eraser get EVTAP_KEYS 1
refused perm_agent_no_release agent-$HA request evtap.v1.custodian.release
refused perm_agent_no_audit_read agent-$HA sub 'evtap.v1.audit.>'

# --- without the custodian nothing is read; then the releases ---
timeout 20 "$BUILD/evtap-pull" -c "$W/pull.conf" --purpose ai-training --out "$OUT" \
	--idle-exit 2 >"$W/pull.out" 2>"$W/pull.log"
[ -z "$(ls "$OUT")" ] && ok no_custodian_no_output || bad no_custodian_no_output "$(ls "$OUT")"
start_custodian
pull
[ "$(text "$ALICE")" = "$SENTENCE" ] && ok alice_sentence_once || bad alice_sentence_once \
	"'$(text "$ALICE")'"
python3 - "$OUT/$ALICE" "$ALICE" "$HA" <<'P' && ok alice_pseudonyms || bad alice_pseudonyms
import glob, json, sys
rs = [json.loads(l) for f in glob.glob(sys.argv[1] + "/*.jsonl") for l in open(f)]
sys.exit(not rs or any(r["person"] != sys.argv[2] or r["host"] != sys.argv[3] for r in rs))
P
[ ! -e "$OUT/$BOB" ] && ok bob_opted_out_nothing || bad bob_opted_out_nothing
[ ! -e "$OUT/$CAROL" ] && ok carol_excluded_nothing || bad carol_excluded_nothing
[ "$(cat "$W/rc")" = 3 ] && ok pull_exit_refused || bad pull_exit_refused "exit $(cat "$W/rc")"
grep -q '"kind":"keyclass"\|"class":"letter"' "$OUT/$DAVE"/*.jsonl 2>/dev/null &&
	! grep -q '"kind":"key"' "$OUT/$DAVE"/*.jsonl && grep -q "dropped-level 15 " "$W/pull.out" &&
	ok dave_classes_only || bad dave_classes_only "$(cat "$W/pull.out")"
as admin dump EVTAP_AUDIT "evtap.v1.audit.$CAROL" >"$W/audit.carol"
grep -q '"released":false,"why":"purpose excluded"' "$W/audit.carol" &&
	grep -q '"purpose":"ai-training"' "$W/audit.carol" && grep -q '"pipeline":"pipeline"' \
	"$W/audit.carol" && ok carol_refusal_audited || bad carol_refusal_audited "$(cat "$W/audit.carol")"
as admin dump EVTAP_AUDIT "evtap.v1.audit.$ALICE" >"$W/audit.alice"
RELEASED="\"host\":\"$HA\",\"segments\":\[0\],\"released\":true,\"level\":\"full\""
grep -q "$RELEASED" "$W/audit.alice" &&
	ok alice_release_audited || bad alice_release_audited "$(cat "$W/audit.alice")"
as admin dump EVTAP_AUDIT "evtap.v1.audit.$BOB" | grep -q '"why":"opted out"' &&
	ok bob_refusal_audited || bad bob_refusal_audited
grep -Eq 'fox|quick|jumps' "$W/custodian.log" "$W/pull.log" && bad logs_no_content ||
	ok logs_no_content

# --- a bad block: counted, skipped, reported, no crash ---
pub alice 1000 5 moved "$SENTENCE" >/dev/null
pull
[ "$(cat "$W/rc")" = 4 ] && grep -q "bad 1$" "$W/pull.out" && grep -q "seal does not open" \
	"$W/pull.log" && ok bad_block_skipped || bad bad_block_skipped "$(cat "$W/pull.out")"
[ "$(text "$ALICE")" = "$SENTENCE" ] && ok bad_block_no_output || bad bad_block_no_output

# --- every message again (the durable made anew): nothing doubled ---
as admin rmconsumer EVTAP_DATA evtap-pull
pull
grep -q "duplicates 6 " "$W/pull.out" && [ "$(text "$ALICE")" = "$SENTENCE" ] &&
	ok redelivery_deduped || bad redelivery_deduped "$(cat "$W/pull.out")"

# --- restarts mid-stream: custodian and consumer, nothing lost, nothing doubled ---
read -r ERIN _ < <(pub erin 1004 0 full "abc" 400)
consent "$ERIN" '"opted_out":false,"level":"full","paused_until":0'
"$BUILD/evtap-pull" -c "$W/pull.conf" --purpose ai-training --out "$OUT" --batch 16 \
	--key-ttl 1 >/dev/null 2>>"$W/pull.log" &
P1=$!
sleep 0.4
stop "$CUSTODIAN"
kill -9 $P1
wait $P1 2>/dev/null
start_custodian
# What the killed consumer had fetched but not acknowledged comes again after its ack wait (10 s).
TTL=1 IDLE=12 pull
n=$(cat "$OUT/$ERIN"/*.jsonl 2>/dev/null | wc -l)
[ "$n" = 1200 ] && ok restarts_nothing_lost_or_doubled || bad restarts_nothing_lost_or_doubled \
	"$n records, wanted 1200"

# --- the broker's store holds no plaintext ---
if grep -rqa -e quick -e "test keyboard" -e alice "$W/nodes/n1"; then
	bad store_no_plaintext
else
	ok store_no_plaintext
fi

# --- forget alice: partitions gone, keys destroyed, receipts; her data never opens again ---
"$BUILD/evtap-erase" -c "$W/eraser.conf" >"$W/erase.log" 2>&1 &
PIDS+=($!)
as admin kvput evtap-forget "$ALICE" "{\"requested\":$(date +%s%N),\"origin\":\"$HA\"}" \
	>/dev/null
pull
[ ! -e "$OUT/$ALICE" ] && ok forget_partitions_gone || bad forget_partitions_gone
for who in pipeline custodian eraser; do
	for ((i = 0; i < 50; i++)); do
		as admin kvget evtap-receipts "$ALICE.$who" >"$W/receipt" 2>/dev/null && break
		sleep 0.1
	done
	grep -q '"what"' "$W/receipt" && ok "forget_receipt_$who" || bad "forget_receipt_$who"
done
as admin dump EVTAP_KEYS "evtap.v1.key.$ALICE.$HA" >"$W/keys.alice"
[ ! -s "$W/keys.alice" ] && ok forget_keys_purged || bad forget_keys_purged
# A machine that sends her old key and block again (as after a restore): refused, not opened.
pub alice 1000 0 full "$SENTENCE" >/dev/null
pub alice 1000 7 full "$SENTENCE" >/dev/null
pull
[ ! -e "$OUT/$ALICE" ] && as admin dump EVTAP_AUDIT "evtap.v1.audit.$ALICE" |
	grep -q '"why":"forgotten"' && ok forget_old_message_not_opened ||
	bad forget_old_message_not_opened
[ -n "$(text "$DAVE")" ] || [ -e "$OUT/$DAVE" ] && ok forget_others_kept || bad forget_others_kept
