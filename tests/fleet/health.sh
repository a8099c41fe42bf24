#!/bin/bash
# fleet-health: the heartbeat and durable shipping (docs/FLEET.md, "Health" and "Only what is
# durable"), on a real nats-server on 127.0.0.1 made by evtap-fleet init. One machine: evtapd
# over the kernel layer's double (evtap-test-hostd, flush interval 1 h, so that only the suite
# flushes) and the real evtap-shipd as the ship user "nobody", heartbeat-interval 1 s.
#   - a block written but not fsync'ed is not shipped; an opt-out then cuts it and it never
#     reaches the stream; blocks fsync'ed later ship, and the stream holds exactly the store's
#     blocks, byte for byte (evtap-ship-check verify);
#   - evtap-fleet status shows the host within the interval with its counters (evtapd's, through
#     fleet-health), no uid or name in the value; after a broker restart the heartbeat resumes;
#     with the shipper stopped the host is silent after the limit.
# Every wait is a bounded poll; every process is stopped by its own pid. Run as root.
# EVTAP_FLEET_PORT_BASE moves the port (default 14800, BASE+1).
set -u
cd "$(dirname "$0")/../.."
. tests/fleet/lib.sh
BUILD=${BUILD:-build}
T=$BUILD/fleet-tests
FLEET=$BUILD/evtap-fleet
EVTAP=$BUILD/evtap
CHK=$BUILD/tests/evtap-ship-check
SHIP_UID=65534 # nobody, in nogroup: the [fleet] ship-user and ship-group below
ALICE=1000     # needs an account: the shipper ships only uids with one
PORT=$((${EVTAP_FLEET_PORT_BASE:-14800} + 1))
URL=nats://127.0.0.1:$PORT

make -s -j2 test-fleet-health >/dev/null || { echo "FAIL fleet-health-build"; exit 1; }
command -v nats-server >/dev/null || { echo "FAIL fleet-health-nats-server-missing"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "FAIL fleet-health: must run as root"; exit 1; }
getent passwd $ALICE >/dev/null || { echo "FAIL fleet-health: no account of uid $ALICE"; exit 1; }

W=$(mktemp -d /tmp/evtap-health.XXXXXX)
chmod 0755 "$W"
NATS_PID=
HOSTD=
SHIPD=
cleanup() {
	stop "$SHIPD"
	stop "$HOSTD"
	stop "$NATS_PID"
	[ -n "${EVTAP_HEALTH_KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT

check() { # check NAME CMD...: PASS when CMD succeeds
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name" "$(tail -c 600 "$W/last" 2>/dev/null)"; fi
}

# --- The fleet: init, one node with its accounts, init again for the streams and buckets. ---
F=$W/fleet
"$FLEET" init --servers "$URL" --dir "$F" --host machine-H >"$W/init.out" 2>&1 ||
	{ bad fleet-health-init "$(tail -3 "$W/init.out")"; exit 1; }
HOST=$(sed -n "s/.*machine-id machine-H (host \([0-9a-f]*\)).*/\1/p" "$W/init.out" | head -1)
cp "$F/fleet-accounts.conf" "$W/"
printf 'listen: 127.0.0.1:%s\njetstream { store_dir: "%s/js" }\ninclude "fleet-accounts.conf"\n' \
	"$PORT" "$W" >"$W/nats.conf"
start_nats() {
	nats-server -c "$W/nats.conf" >>"$W/nats.log" 2>&1 &
	NATS_PID=$!
	within 100 grep -q "Server is ready" "$W/nats.log"
}
start_nats || { bad fleet-health-nats "$(tail -3 "$W/nats.log")"; exit 1; }
within 50 "$FLEET" init --servers "$URL" --dir "$F" >>"$W/init.out" 2>&1 ||
	{ bad fleet-health-setup "$(tail -3 "$W/init.out")"; exit 1; }

# The ship user reads its key files and credentials (on a real machine, its own copies).
install -m 0644 "$F/pseudonym.key" "$F/custodian.pub" "$W/"
install -m 0644 "$F/auth/agent-$HOST.auth" "$W/agent.auth"
mkdir -p "$W/state" && chown $SHIP_UID:$SHIP_UID "$W/state"
fleet_section() {
	cat <<EOF
[fleet]
servers = $URL
credentials = $W/agent.auth
pseudonym-key = $W/pseudonym.key
custodian-public-key = $W/custodian.pub
host-id = machine-H
ship-group = nogroup
ship-user = nobody
ship-state-dir = $W/state
heartbeat-interval = 1
EOF
}
{
	printf 'flush-interval = 1h\ncount-interval = 1h\n'
	fleet_section
} >"$W/hostd.conf"
fleet_section >"$W/ship.conf"

"$T/evtap-test-hostd" "$W/hostd.conf" "$W/ready" $ALICE >"$W/hostd.log" 2>&1 &
HOSTD=$!
within 100 test -s "$W/ready" || { bad fleet-health-hostd "$(cat "$W/hostd.log")"; exit 1; }
read -r DATA SOCK <"$W/ready"
start_shipd() {
	setpriv --reuid=$SHIP_UID --regid=$SHIP_UID --clear-groups "$BUILD/evtap-shipd" \
		-c "$W/ship.conf" --data-dir "$DATA" --socket "$SOCK" >>"$W/shipd.log" 2>&1 &
	SHIPD=$!
}
start_shipd

# shipped FIELD: a number from the shipper's status.json (-1 before there is one).
shipped() {
	python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], 0))" \
		"$W/state/status.json" "$1" 2>/dev/null || echo -1
}
is() { [ "$(shipped "$1")" = "$2" ]; }
above() { [ "$(shipped "$1")" -gt "$2" ]; }
settled() { is in_flight 0 && is backlog_bytes 0; }
# said WORD N: hostd said WORD (typed, flushed) N times.
said() { [ "$(grep -c "^$1$" "$W/hostd.log")" -ge "$2" ]; }

# --- Only what evtapd made durable is shipped. ---
check durable_synced_block_shipped within 100 eval 'is shipped_blocks 1 && settled'
kill -USR1 $HOSTD
within 100 said typed 1
# The shipper has listed the written block (it counts it in its backlog): in the same turn it
# would have sent it, and it did not.
within 50 above backlog_bytes 0
check durable_unsynced_block_not_shipped eval 'is shipped_blocks 1 && is in_flight 0'
setpriv --reuid $ALICE --regid $ALICE --clear-groups "$EVTAP" --socket "$SOCK" opt-out >/dev/null
check durable_opt_out_cut_the_block within 50 settled
setpriv --reuid $ALICE --regid $ALICE --clear-groups "$EVTAP" --socket "$SOCK" opt-in >/dev/null
kill -USR1 $HOSTD
within 100 said typed 2
kill -USR2 $HOSTD
within 100 said flushed 1
check durable_synced_blocks_still_ship within 100 eval 'above shipped_blocks 2 && settled'
read -r _ ADMIN_USER < <(grep '^user' "$F/auth/admin.auth" | tr -d ' ' | tr '=' ' ')
read -r _ ADMIN_PASS < <(grep '^password' "$F/auth/admin.auth" | tr -d ' ' | tr '=' ' ')
"$CHK" verify "$URL" "$ADMIN_USER" "$ADMIN_PASS" "$DATA" "$F/pseudonym.key" \
	"$F/custodian.sec" "$HOST" "$W/dump" $ALICE >"$W/last" 2>&1
rc=$?
check "durable_the_stream_is_the_store ($(cat "$W/last"))" test $rc = 0

# --- The heartbeat. ---
# row: the status line of the host; hb PATH: a field of its heartbeat, from --json.
row() { "$FLEET" status --dir "$F" "$@" 2>&1 | tee "$W/last" | grep "^$HOST "; }
hb() {
	"$FLEET" status --json --dir "$F" >"$W/last" 2>&1
	python3 - "$W/last" "$HOST" "$1" <<'EOF'
import json, sys
hosts = {h["host"]: h for h in json.load(open(sys.argv[1]))["hosts"]}
v = hosts[sys.argv[2]]
for k in sys.argv[3].split("."):
    v = v[k]
print(str(v).lower() if isinstance(v, bool) else v)
EOF
}
check heartbeat_listed_within_the_interval within 50 sh -c \
	"'$FLEET' status --silent-after 2 --dir '$F' | grep -q '^$HOST .* ok  *fentry/ringbuf  *[0-9]* B  none$'"
check heartbeat_evtapd_counters within 50 eval '[ "$(hb heartbeat.evtapd.state)" = ok ] &&
	[ "$(hb heartbeat.evtapd.captured.stored)" -ge 1 ] &&
	[ "$(hb heartbeat.evtapd.dropped.store_discarded)" -ge 1 ]'
check heartbeat_shipper_counters within 50 eval '[ "$(hb heartbeat.shipper.shipped_blocks)" -ge 3 ] &&
	[ "$(hb heartbeat.backlog.bytes)" = 0 ] && [ "$(hb heartbeat.last_error)" = none ]'
check heartbeat_version_is_the_package_s test "$(hb heartbeat.version)" = \
	"$(dpkg-parsechangelog -l debian/changelog -S Version)"
NAME=$(getent passwd $ALICE | cut -d: -f1)
"$FLEET" status --json --dir "$F" >"$W/last" 2>&1
check heartbeat_no_uid_or_name sh -c "! grep -q -e '\"uid\"' -e '\"$ALICE\"' -e ':$ALICE[,}]' \
	-e '$NAME' -e machine-H '$W/last'"

# --- Offline: the broker away for longer than the limit; the heartbeat resumes with it. ---
stop "$NATS_PID"
sleep 3
start_nats
check heartbeat_resumes_on_reconnect within 150 sh -c \
	"'$FLEET' status --silent-after 2 --dir '$F' 2>/dev/null | grep -q '^$HOST .* ok '"

# --- The shipper stopped: silent past the limit. ---
stop "$SHIPD"
SHIPD=
check heartbeat_silent_after_the_limit within 60 sh -c \
	"'$FLEET' status --silent-after 2 --dir '$F' | grep -q '^$HOST .* silent '"
"$FLEET" status --silent-after 2 --dir "$F" >"$W/last"
check heartbeat_summary grep -q "^1 host, 1 silent (no heartbeat for more than 2s)$" "$W/last"
# No error logged, and under SANITIZE=1 nothing reported at the stop.
grep -E '^evtap-shipd: error: |Sanitizer|runtime error' "$W/shipd.log" >"$W/last"
check shipd_log_clean test ! -s "$W/last"
