#!/bin/bash
# The fleet suite: evtap-fleet init against a real nats-server cluster on 127.0.0.1, then each
# role's allowed operation and its forbidden ones, as the credentials init made. Prints
# PASS/FAIL lines. EVTAP_FLEET_NODES=3 runs a 3-node cluster (default 1);
# EVTAP_FLEET_PORT_BASE moves the ports.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
FLEET=$BUILD/evtap-fleet
FLEET_OP=$BUILD/fleet/evtap-fleet-op
. tests/fleet/lib.sh

make -s -j2 "$FLEET" "$FLEET_OP" >/dev/null || { echo "FAIL fleet-build"; exit 1; }
command -v nats-server >/dev/null || { echo "FAIL fleet-nats-server-missing"; exit 1; }

WORK=$(mktemp -d /tmp/evtap-fleet.XXXXXX)
DIR=$WORK/fleet
trap 'fleet_stop; rm -rf "$WORK"' EXIT
NODES=${EVTAP_FLEET_NODES:-1}
FLEET_NODES=$NODES
SERVERS=$(fleet_servers)

# t NAME CMD...: PASS when CMD succeeds.
t() {
	local name=$1
	shift
	if "$@" >"$WORK/out" 2>&1; then ok "$name"; else bad "$name" "$(tail -3 "$WORK/out")"; fi
}
# refused NAME CMD...: PASS when CMD exits 1 (the server refused), not 0 or 2 (usage).
refused() {
	local name=$1 rc
	shift
	"$@" >"$WORK/out" 2>&1
	rc=$?
	if [ $rc -eq 1 ]; then ok "$name"; else bad "$name" "exit $rc, wanted 1"; fi
}
# usage NAME PATTERN CMD...: PASS when CMD exits 2 and says PATTERN on stderr.
usage() {
	local name=$1 pattern=$2 rc
	shift 2
	"$@" >/dev/null 2>"$WORK/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q -- "$pattern" "$WORK/err"; then
		ok "$name"
	else
		bad "$name" "exit $rc: $(head -1 "$WORK/err")"
	fi
}
# as ROLE OP ARGS...: one operation as DIR/auth/ROLE.auth.
as() {
	local role=$1
	shift
	"$FLEET_OP" "$SERVERS" "$DIR/auth/$role.auth" "$@"
}
# sums: every file of DIR with its checksum, mode and modification time.
sums() {
	(cd "$DIR" && find . -type f | sort | xargs sha256sum &&
		find . -type f | sort | xargs stat -c '%n %a %Y')
}
fleet_pseudonym() { # the host pseudonym init printed for machine-id $1
	sed -n "s/.*machine-id $1 (host \([0-9a-f]*\)).*/\1/p" "$WORK/init.out" "$WORK/add.out" \
		2>/dev/null | head -1
}

out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l docs/evtap-fleet.1 2>&1 >/dev/null)
[ -z "$out" ] && ok man-evtap-fleet.1 || bad man-evtap-fleet.1 "$out"

# --- Bad flags and values: exit 2, with what was wrong. ---
"$FLEET" --help | grep -q "^usage: evtap-fleet init" && ok flags_help || bad flags_help
usage flags_unknown "unknown flag '--bogus'" "$FLEET" init --bogus --dir "$DIR"
usage flags_servers_required "--servers is required" "$FLEET" init --dir "$DIR"
usage flags_servers_bad "expected comma-separated nats://" "$FLEET" init --servers http://x \
	--dir "$DIR"
usage flags_missing_value "--dir needs a value" "$FLEET" init --servers "$SERVERS" --dir
usage flags_wrong_command "unknown flag '--silent-after' for this command" "$FLEET" init \
	--servers "$SERVERS" --dir "$DIR" --silent-after 5
usage flags_extra_argument "unexpected argument 'extra'" "$FLEET" init --servers "$SERVERS" \
	--dir "$DIR" extra
usage flags_add_host_argument "expected one MACHINE-ID" "$FLEET" add-host --dir "$DIR"
usage flags_unknown_command "unknown command 'frob'" "$FLEET" frob
usage flags_silent_after "bad value '0' for --silent-after" "$FLEET" status --silent-after 0
usage flags_json_value "--json takes no value" "$FLEET" status --json=1
usage policy_bad_level "bad value 'loud' for level: expected off, counts, classes or full" \
	"$FLEET" policy set level=loud --dir "$DIR"
usage policy_unknown_key "unknown key 'colour'" "$FLEET" policy set colour=red --dir "$DIR"
usage policy_not_pair "expected KEY=VALUE" "$FLEET" policy set level --dir "$DIR"
usage policy_bad_retention "bad value '0d' for retention" "$FLEET" policy set retention=0d \
	--dir "$DIR"
usage policy_bad_granularity "for time-granularity: expected milliseconds" "$FLEET" policy set \
	time-granularity=-5 --dir "$DIR"
usage policy_bad_purposes "bad value 'QA,,x' for purposes" "$FLEET" policy set \
	purposes=QA,,x --dir "$DIR"
usage policy_bad_consent "bad value 'maybe' for default-consent" "$FLEET" policy set \
	default-consent=maybe --dir "$DIR"
[ ! -e "$DIR" ] && ok flags_bad_make_nothing || bad flags_bad_make_nothing "$DIR exists"

# --- init with the servers down: every file, with its mode; no streams yet. ---
if "$FLEET" init --servers "$SERVERS" --dir "$DIR" --host mid-a --host mid-b >"$WORK/init.out" \
	2>&1 && grep -q "not made: the servers do not answer" "$WORK/init.out"; then
	ok init_offline
else
	bad init_offline "$(tail -3 "$WORK/init.out")"
fi
HA=$(fleet_pseudonym mid-a)
HB=$(fleet_pseudonym mid-b)
files_ok=1
for f in "pseudonym.key 600 32" "custodian.sec 600 32" "custodian.pub 644 32" \
	"auth/admin.auth 600" "auth/custodian.auth 600" "auth/pipeline.auth 600" \
	"auth/eraser.auth 600" "auth/agent-$HA.auth 600" "auth/agent-$HB.auth 600" \
	"fleet-accounts.conf 640" "admin.conf 600" "agent.conf 644"; do
	set -- $f
	if [ ! -f "$DIR/$1" ] || [ "$(stat -c %a "$DIR/$1")" != "$2" ] ||
		{ [ -n "${3:-}" ] && [ "$(stat -c %s "$DIR/$1")" != "$3" ]; }; then
		files_ok=0
		echo "  $1: missing or wrong mode/size"
	fi
	grep -q "$DIR/$1" "$WORK/init.out" || { files_ok=0; echo "  $1: not in the report"; }
done
[ $files_ok = 1 ] && [ ${#HA} = 32 ] && [ "$HA" != "$HB" ] && ok init_files || bad init_files
grep -q '\$2b\$10\$' "$DIR/fleet-accounts.conf" && ! grep -q "$(sed -n 's/^password = //p' \
	"$DIR/auth/admin.auth")" "$DIR/fleet-accounts.conf" && ok init_hashes_only ||
	bad init_hashes_only
python3 - "$DIR" <<'PY' && ok init_custodian_pair || bad init_custodian_pair
import sys
d = sys.argv[1]
pk, sk = open(d + "/custodian.pub", "rb").read(), open(d + "/custodian.sec", "rb").read()
sys.exit(0 if len(pk) == 32 and len(sk) == 32 and pk != sk else 1)
PY

# --- The servers, then init again: the streams and buckets. ---
# A daemon's connection starts while the servers are down and comes up with them.
as admin wait >"$WORK/wait.out" 2>&1 &
wait_pid=$!
early=0
fleet_wait_log waiting "$WORK/wait.out" && early=1
if fleet_start "$NODES" "$WORK/srv" "$DIR"; then ok "cluster_start_$NODES"; else
	bad "cluster_start_$NODES"
	exit 1
fi
if wait $wait_pid && [ $early = 1 ] && grep -q connected "$WORK/wait.out"; then
	ok connect_in_background
else
	bad connect_in_background "$(cat "$WORK/wait.out")"
fi
# A stream that exists with another configuration: reported, left alone.
as admin mkstream EVTAP_AUDIT 'evtap.v1.audit.*' >/dev/null
"$FLEET" init --servers "$SERVERS" --dir "$DIR" >"$WORK/init2.out" 2>&1
rc=$?
differs="stream EVTAP_AUDIT: DIFFERS, left as it is: .*file storage 0 (want 1), "
differs+="deny-delete 0 (want 1), deny-purge 0 (want 1)"
if [ $rc = 1 ] && grep -q "$differs" "$WORK/init2.out" &&
	as admin info EVTAP_AUDIT | grep -q "storage memory"; then
	ok init_reports_different
else
	bad init_reports_different "exit $rc: $(grep EVTAP_AUDIT "$WORK/init2.out")"
fi
as admin rmstream EVTAP_AUDIT
t init_online "$FLEET" init --servers "$SERVERS" --dir "$DIR"
created=$(cat "$WORK/init2.out" "$WORK/out" | grep -cE '^  (stream|bucket) .*: created')
[ "$created" = 8 ] && grep -q "stream EVTAP_AUDIT: created" "$WORK/out" &&
	[ "$(grep -c '^  audit feed audit-.*: created' "$WORK/out")" = 2 ] &&
	grep -q "bucket evtap-receipts: created" "$WORK/init2.out" && ok init_streams_buckets ||
	bad init_streams_buckets "$created created"
if [ "$NODES" = 1 ]; then
	grep -q "replicas: 3 wanted, the cluster has 1 server: 1" "$WORK/init2.out" &&
		ok init_replicas_clamped || bad init_replicas_clamped
fi
replicas=1
[ "$NODES" = 3 ] && replicas=3
as admin info EVTAP_DATA | grep -q "replicas $replicas storage file" && ok stream_data_config ||
	bad stream_data_config

# --- A second run changes nothing. ---
sums >"$WORK/sums1"
"$FLEET" init --servers "$SERVERS" --dir "$DIR" --host mid-a --host mid-b >"$WORK/init3.out" 2>&1
rc=$?
sums >"$WORK/sums2"
if [ $rc = 0 ] && cmp -s "$WORK/sums1" "$WORK/sums2" &&
	! grep -qE ': (created|DIFFERS)|^  (created|updated) ' "$WORK/init3.out"; then
	ok init_idempotent
else
	bad init_idempotent "exit $rc; $(diff "$WORK/sums1" "$WORK/sums2" | head -2)"
fi

# --- Without the right password: refused. ---
sed 's/^password = .*/password = wrong/' "$DIR/auth/admin.auth" >"$WORK/wrong.auth"
refused auth_wrong_password "$FLEET_OP" "$SERVERS" "$WORK/wrong.auth" account

# --- Agents: their own subjects only. ---
P=6eefad2bed97b6d93ee663d67a44b460
A=agent-$HA
t agent_publish_own_data as "$A" jspub "evtap.v1.data.$P.$HA" "$HA:1:0"
t agent_publish_own_key as "$A" jspub "evtap.v1.key.$P.$HA" "$HA:key:1"
as "$A" jspub "evtap.v1.data.$P.$HA" "$HA:1:0" | grep -q duplicate && ok agent_resend_duplicate ||
	bad agent_resend_duplicate
refused agent_other_host_data_js as "$A" jspub "evtap.v1.data.$P.$HB" "$HB:1:0"
refused agent_other_host_data as "$A" pub "evtap.v1.data.$P.$HB"
refused agent_other_host_key as "$A" pub "evtap.v1.key.$P.$HB"
refused agent_subscribe_data as "$A" sub "evtap.v1.data.>"
refused agent_subscribe_other_inbox as "$A" sub "_INBOX_$HB.>"
refused agent_consumer_data as "$A" consumer EVTAP_DATA peek
refused agent_consumer_keys as "$A" consumer EVTAP_KEYS peek
refused agent_get_data as "$A" get EVTAP_DATA 1
refused agent_get_keys as "$A" get EVTAP_KEYS 1
t agent_heartbeat as "$A" kvput evtap-health "$HA" \
	'{"evtapd":{"kernel_path":"fentry/ringbuf"},"backlog":{"bytes":5},"lost":{"store_io":4,"store_fsync":0}}'
refused agent_heartbeat_other as "$A" kvput evtap-health "$HB" '{}'
t agent_consent_put as "$A" kvput evtap-consent "$P" '{"opted_out":false}'
t agent_receipt_own as "$A" kvput evtap-receipts "$P.$HA" done
refused agent_receipt_other as "$A" kvput evtap-receipts "$P.custodian" done
refused agent_policy_write as "$A" kvput evtap-policy level full
t agent_watch_consent as "$A" kvwatch evtap-consent
t agent_watch_policy as "$A" kvwatch evtap-policy
t agent_watch_forget as "$A" kvwatch evtap-forget
t agent_forget_put as "$A" kvput evtap-forget 0123456789abcdef0123456789abcdef '{"requested":1}'
t agent_watch_receipts as "$A" kvwatch evtap-receipts
as "$A" kvget evtap-consent "$P" | grep -q opted_out && ok agent_get_consent ||
	bad agent_get_consent
refused agent_watch_health as "$A" kvwatch evtap-health

# --- The custodian: keys, consent, policy, audit, receipts, requests; no data. ---
t custodian_consumer_keys as custodian consumer EVTAP_KEYS custodian
as custodian fetch EVTAP_KEYS custodian | grep -q "fetched 1" && ok custodian_fetch_keys ||
	bad custodian_fetch_keys
t custodian_get_keys as custodian get EVTAP_KEYS 1
t custodian_audit as custodian jspub "evtap.v1.audit.$P" "audit-1"
t custodian_watch_consent as custodian kvwatch evtap-consent
t custodian_receipt as custodian kvput evtap-receipts "$P.custodian" released
refused custodian_consumer_data as custodian consumer EVTAP_DATA custodian
refused custodian_get_data as custodian get EVTAP_DATA 1
refused custodian_subscribe_data as custodian sub "evtap.v1.data.>"
refused custodian_publish_data as custodian pub "evtap.v1.data.$P.$HA"

# --- The pipeline: its durable consumer on the data, key releases, forget; no keys. ---
t pipeline_consumer as pipeline consumer EVTAP_DATA evtap-pull
as pipeline fetch EVTAP_DATA evtap-pull | grep -q "fetched 1" && ok pipeline_fetch ||
	bad pipeline_fetch
as custodian serve evtap.v1.custodian.release >"$WORK/serve.out" 2>&1 &
serve_pid=$!
fleet_wait_log serving "$WORK/serve.out"
as pipeline request evtap.v1.custodian.release | grep -q released &&
	ok pipeline_custodian_request || bad pipeline_custodian_request
wait $serve_pid && ok custodian_serves || bad custodian_serves
t pipeline_watch_forget as pipeline kvwatch evtap-forget
t pipeline_receipt as pipeline kvput evtap-receipts "$P.pipeline" shipped
refused pipeline_other_consumer as pipeline consumer EVTAP_DATA mine
refused pipeline_consumer_keys as pipeline consumer EVTAP_KEYS evtap-pull
refused pipeline_get_keys as pipeline get EVTAP_KEYS 1
refused pipeline_purge as pipeline purge EVTAP_DATA -
refused pipeline_serve_custodian as pipeline sub "evtap.v1.custodian.>"

# --- The eraser: purge data and keys, read forget; read nothing else. ---
t eraser_purge_data as eraser purge EVTAP_DATA "evtap.v1.data.$P.>"
t eraser_purge_keys as eraser purge EVTAP_KEYS "evtap.v1.key.$P.>"
as eraser kvget evtap-forget "$P"
[ $? = 3 ] && ok eraser_read_forget || bad eraser_read_forget
as eraser kvget evtap-receipts "$P.eraser"
[ $? = 3 ] && ok eraser_read_receipts || bad eraser_read_receipts
t eraser_remake_pipeline_durable as eraser consumer EVTAP_DATA evtap-pull
refused eraser_purge_audit as eraser purge EVTAP_AUDIT -
refused eraser_consumer_data as eraser consumer EVTAP_DATA eraser
refused eraser_get_data as eraser get EVTAP_DATA 1
refused eraser_get_keys as eraser get EVTAP_KEYS 1
refused eraser_publish_data as eraser pub "evtap.v1.data.$P.$HA"

# --- Policy, set then read back; a bad value leaves it as it was. ---
t policy_set "$FLEET" policy set level=counts default-consent=skip time-granularity=100 \
	retention=30d purposes=ergonomics,research --dir "$DIR"
"$FLEET" policy get --dir "$DIR" >"$WORK/policy.out" 2>&1
grep -q "^level = counts$" "$WORK/policy.out" && grep -q "^retention = 30d$" "$WORK/policy.out" &&
	grep -q "^purposes = ergonomics,research$" "$WORK/policy.out" && ok policy_read_back ||
	bad policy_read_back "$(head -2 "$WORK/policy.out")"
"$FLEET" policy set level=full retention=9999d --dir "$DIR" >/dev/null 2>&1
"$FLEET" policy get level --dir "$DIR" | grep -q "^level = counts$" && ok policy_bad_writes_none ||
	bad policy_bad_writes_none
as "$A" kvget evtap-policy level | grep -q counts && ok policy_agent_reads ||
	bad policy_agent_reads

# --- Status: the heartbeat, its age and counters; silent past the limit. ---
"$FLEET" status --dir "$DIR" >"$WORK/status.out" 2>&1
grep -q "^$HA .* ok  *fentry/ringbuf  *5 B  store_io=4$" "$WORK/status.out" && ok status_heartbeat ||
	bad status_heartbeat "$(cat "$WORK/status.out")"
"$FLEET" status --json --dir "$DIR" | grep -q "\"host\":\"$HA\",\"age_s\":[0-9]*,\"silent\":false" &&
	ok status_json || bad status_json
sleep 2.2
"$FLEET" status --silent-after 1 --dir "$DIR" | grep -q "^$HA .* silent " && ok status_silent ||
	bad status_silent

# --- add-host: a new machine, admitted after a reload. ---
"$FLEET" add-host mid-c --dir "$DIR" >"$WORK/add.out" 2>&1 && grep -q "created .*agent-" \
	"$WORK/add.out" && ok add_host || bad add_host "$(tail -2 "$WORK/add.out")"
HC=$(fleet_pseudonym mid-c)
grep -q "audit feed audit-$HC: created" "$WORK/add.out" && ok add_host_audit_feed ||
	bad add_host_audit_feed "$(grep -i feed "$WORK/add.out")"
fleet_reload "$WORK/srv" "$DIR"
for ((i = 0; i < 50; i++)); do
	as "agent-$HC" jspub "evtap.v1.data.$P.$HC" "$HC:1:0" >/dev/null 2>&1 && break
	sleep 0.2
done
[ $i -lt 50 ] && ok add_host_admitted || bad add_host_admitted
refused add_host_confined as "agent-$HC" pub "evtap.v1.data.$P.$HA"
sums >"$WORK/sums3"
"$FLEET" add-host mid-c --dir "$DIR" >/dev/null 2>&1
sums >"$WORK/sums4"
cmp -s "$WORK/sums3" "$WORK/sums4" && ok add_host_idempotent || bad add_host_idempotent

# --- A lone server reached by two URLs: replicas 1 all the same, and a re-run agrees. ---
if [ "$NODES" = 1 ]; then
	cp -a "$DIR" "$WORK/lone"
	"$FLEET" init --servers "$SERVERS,nats://localhost:$((FLEET_PORT_BASE + 1))" \
		--dir "$WORK/lone" >"$WORK/lone.out" 2>&1
	rc=$?
	if [ $rc = 0 ] && grep -q "the server is not clustered: replicas 1" "$WORK/lone.out" &&
		[ "$(grep -cE '^  (stream|bucket) .*: unchanged$' "$WORK/lone.out")" = 8 ]; then
		ok init_lone_server
	else
		bad init_lone_server "exit $rc: $(grep -v '^ *->' "$WORK/lone.out" | tail -3)"
	fi
fi
