#!/bin/bash
# The central suite (docs/FLEET.md, "The custodian", "The pipeline"): a real nats-server on
# 127.0.0.1 set up by evtap-fleet init; agents' messages made by evtap-central-pub (real
# sealed blocks and keys, in the wire format); evtap-custodian, evtap-pull and evtap-erase as
# they run. People: alice (full), bob (opted out), carol (excluded ai-training), dave (classes),
# erin (many blocks, for the restarts). The person's view: machine mid-a's evtapd (over the kernel
# layer's double, evtap-test-hostd) and its shipper's access-log module (evtap-syncdrive, as the
# ship user) serve `evtap access-log`; mid-b's agent tries to read mid-a's records. Run as root.
# Prints PASS/FAIL lines. EVTAP_FLEET_PORT_BASE moves the ports (default 14500).
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
[ "$(id -u)" -eq 0 ] || { echo "FAIL central: must run as root"; exit 1; }

W=$(mktemp -d /tmp/evtap-central.XXXXXX)
DIR=$W/fleet
OUT=$W/out
PIDS=()
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
"$FLEET" init --servers "$SERVERS" --dir "$DIR" --host mid-a --host mid-b >"$W/init.out" 2>&1
host_of() { sed -n "s/.*machine-id $1 (host \([0-9a-f]*\)).*/\1/p" "$W/init.out" | head -1; }
HA=$(host_of mid-a)
HB=$(host_of mid-b)
fleet_start 1 "$W/nodes" "$DIR" || { echo "FAIL central-servers"; exit 1; }
# A fleet made by an older init: EVTAP_AUDIT over evtap.v1.audit.* only. init widens it (nothing
# stored changes), says so, and makes each host's access-log feed; a second run changes nothing.
as admin mkstream-init EVTAP_AUDIT 'evtap.v1.audit.*'
"$FLEET" init --servers "$SERVERS" --dir "$DIR" >"$W/init2.out" 2>&1
rc=$?
[ $rc = 0 ] && grep -q "stream EVTAP_AUDIT: updated: subjects evtap.v1.audit.\* -> evtap.v1.audit.>" \
	"$W/init2.out" && grep -qF "audit feed audit-$HA: created (evtap.v1.audit.*.$HA -> \
evtap.v1.auditfeed.$HA)" "$W/init2.out" && grep -q "audit feed audit-$HB: created" "$W/init2.out" &&
	ok init_widens_an_older_audit_stream || bad init_widens_an_older_audit_stream \
	"exit $rc: $(grep -i audit "$W/init2.out")"
"$FLEET" init --servers "$SERVERS" --dir "$DIR" >"$W/init3.out" 2>&1
rc=$?
[ $rc = 0 ] && grep -q "stream EVTAP_AUDIT: unchanged" "$W/init3.out" &&
	grep -q "audit feed audit-$HA: unchanged" "$W/init3.out" && ok init_again_unchanged ||
	bad init_again_unchanged "exit $rc: $(grep -i audit "$W/init3.out")"
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

# --- the person's view: evtap access-log on mid-a, through its evtapd and its shipper ---
T=$BUILD/fleet-tests
STATE=$W/state-a
mkdir -p "$STATE"
chown 65534:65534 "$STATE" # nobody: the ship user
chmod 0755 "$W"
cat >"$W/a.conf" <<EOF
flush-interval = 100ms
[fleet]
servers = $SERVERS
credentials = $DIR/auth/agent-$HA.auth
pseudonym-key = $DIR/pseudonym.key
custodian-public-key = $DIR/custodian.pub
ship-group = nogroup
ship-user = nobody
ship-state-dir = $STATE
EOF
"$T/evtap-test-hostd" "$W/a.conf" "$W/a.ready" 1000 1001 >"$W/a.hostd.log" 2>&1 &
HOSTD=$!
PIDS+=($HOSTD)
for ((i = 0; i < 100; i++)); do [ -s "$W/a.ready" ] && break; sleep 0.1; done
read -r DATA_A SOCK <"$W/a.ready"
start_driver() { # mid-a's shipper modules: connected as agent-HA, then run as the ship user
	"$T/evtap-syncdrive" run --servers "$SERVERS" --creds "$DIR/auth/agent-$HA.auth" \
		--key "$DIR/pseudonym.key" --host-id mid-a --data-dir "$DATA_A" --state-dir "$STATE" \
		--socket "$SOCK" --as 65534 --account alice=1000 --account bob=1001 \
		>>"$W/driver.log" 2>&1 &
	DRIVER=$!
	PIDS+=($DRIVER)
}
alog() { # alog UID ARGS...: evtap access-log as that user
	setpriv --reuid "$1" --regid "$1" --clear-groups "$BUILD/evtap" --socket "$SOCK" \
		access-log "${@:2}"
}
has() { alog "$1" --json >"$W/alog" 2>&1 && grep -q -- "$2" "$W/alog"; }
start_driver
RELEASE="\"purpose\":\"ai-training\",\"host\":\"$HA\",\"segments\":\[0\],\"released\":true"
if within 100 has 1000 "$RELEASE,\"level\":\"full\"}"; then ok access_log_alice_release; else
	bad access_log_alice_release "$(cat "$W/alog" "$W/driver.log" | tail -c 400)"
fi
# alice excludes security; a pipeline for security asks for her new block: refused, and shown.
consent "$ALICE" '"opted_out":false,"level":"full","paused_until":0,
	"excluded_purposes":["security"]'
pub alice 1000 2 full "$SENTENCE" >/dev/null
PURPOSE=security pull
consent "$ALICE" '"opted_out":false,"level":"full","paused_until":0'
REFUSAL="\"purpose\":\"security\",\"host\":\"$HA\",\"segments\":\[2\],\"released\":false"
REFUSAL+=",\"why\":\"purpose excluded\"}"
if [ "$(cat "$W/rc")" = 3 ] && within 100 has 1000 "$REFUSAL"; then
	ok access_log_alice_refusal
else
	bad access_log_alice_refusal "exit $(cat "$W/rc"): $(tail -c 400 "$W/alog")"
fi
alog 1000 >"$W/alog.table" 2>&1
grep -q "^WHEN  *PIPELINE  *PURPOSE" "$W/alog.table" &&
	grep -q "security  *$HA  *2  *REFUSED: purpose excluded$" "$W/alog.table" &&
	grep -q "ai-training  *$HA  *0  *released at full$" "$W/alog.table" &&
	ok access_log_table || bad access_log_table "$(head -c 400 "$W/alog.table")"
# Exactly the per-host copies of alice's records, each once; the copies match her own subject.
alog 1000 --json >"$W/alog.alice"
as admin dump EVTAP_AUDIT "evtap.v1.audit.$ALICE.$HA" >"$W/audit.alice.ha"
as admin dump EVTAP_AUDIT "evtap.v1.audit.$ALICE" >"$W/audit.alice"
shown=$(wc -l <"$W/alog.alice")
copies=$(wc -l <"$W/audit.alice.ha")
records=$(wc -l <"$W/audit.alice")
[ "$shown" = "$copies" ] && [ "$records" = "$copies" ] && [ "$copies" -ge 2 ] &&
	ok access_log_every_record_once ||
	bad access_log_every_record_once "$shown shown, $copies copies, $records records"
as admin dump EVTAP_AUDIT "evtap.v1.audit.$ALICE.$HB" >"$W/audit.alice.hb"
[ ! -s "$W/audit.alice.hb" ] && ok access_log_no_copy_for_a_host_without_her_key ||
	bad access_log_no_copy_for_a_host_without_her_key
! grep -q '"why":"opted out"' "$W/alog.alice" && ok access_log_alice_sees_none_of_bobs ||
	bad access_log_alice_sees_none_of_bobs
alog 1001 --json >"$W/alog.bob"
grep -q '"why":"opted out"' "$W/alog.bob" && ! grep -vq '"why":"opted out"' "$W/alog.bob" &&
	ok access_log_bob_sees_none_of_alices ||
	bad access_log_bob_sees_none_of_alices "$(head -c 300 "$W/alog.bob")"
alog 1001 --user 1000 >"$W/alog.bob2" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "permission denied" "$W/alog.bob2" && ok access_log_bob_not_for_alice ||
	bad access_log_bob_not_for_alice "exit $rc: $(cat "$W/alog.bob2")"
fields_ok() {
	python3 -c 'import json, sys
keys = {"seq", "uid", "time", "pipeline", "purpose", "host", "segments", "released", "level",
        "why"}
sys.exit(any(set(json.loads(l)) - keys for l in open(sys.argv[1])))' "$1"
}
check access_log_only_its_fields fields_ok "$STATE/access-log.jsonl"
grep -Eq 'fox|quick|jumps|alice' "$STATE/access-log.jsonl" "$W/alog.alice" "$W/driver.log" &&
	bad access_log_no_content || ok access_log_no_content
# mid-b's agent: mid-a's records are out of its reach; its own feed is not.
refused access_agent_b_no_feed_of_a "agent-$HB" sub "evtap.v1.auditfeed.$HA"
refused access_agent_b_no_copies_of_a "agent-$HB" sub "evtap.v1.audit.*.$HA"
refused access_agent_b_no_bind_of_a "agent-$HB" bindpush EVTAP_AUDIT "audit-$HA"
refused access_agent_b_no_consumer_create "agent-$HB" pushconsumer EVTAP_AUDIT \
	"evtap.v1.audit.*.$HA" "evtap.v1.auditfeed.$HB"
refused access_agent_b_no_durable_create "agent-$HB" consumer EVTAP_AUDIT "audit-$HB"
refused access_agent_b_no_get "agent-$HB" get EVTAP_AUDIT 1
check access_agent_b_binds_its_own_feed as "agent-$HB" bindpush EVTAP_AUDIT "audit-$HB"
# The shipper killed, its feed made anew by init (every record delivered again): none doubled,
# and a record made since arrives once.
n0=$(wc -l <"$STATE/access-log.jsonl")
kill -9 "$DRIVER"
wait "$DRIVER" 2>/dev/null
as admin rmconsumer EVTAP_AUDIT "audit-$HA"
"$FLEET" init --servers "$SERVERS" --dir "$DIR" >"$W/init4.out" 2>&1
start_driver
consent "$ALICE" '"opted_out":false,"level":"full","paused_until":0,
	"excluded_purposes":["security"]'
pub alice 1000 3 full "$SENTENCE" >/dev/null
PURPOSE=security pull
consent "$ALICE" '"opted_out":false,"level":"full","paused_until":0'
unique_seqs() {
	python3 -c 'import json, sys
s = [json.loads(l)["seq"] for l in open(sys.argv[1])]
sys.exit(len(s) != len(set(s)))' "$1"
}
if grep -q "audit feed audit-$HA: created" "$W/init4.out" &&
	within 100 has 1000 '"segments":\[3\],"released":false' &&
	[ "$(wc -l <"$STATE/access-log.jsonl")" = $((n0 + 1)) ] &&
	unique_seqs "$STATE/access-log.jsonl"; then
	ok access_log_restarted_shipper_no_double
else
	bad access_log_restarted_shipper_no_double \
		"$n0 before, $(wc -l <"$STATE/access-log.jsonl") after"
fi
stop "$DRIVER"
stop "$HOSTD"

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
