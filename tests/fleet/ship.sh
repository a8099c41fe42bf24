#!/bin/bash
# fleet-ship: evtap-shipd against a 3-node nats-server cluster on 127.0.0.1. Sealed blocks come
# from the store itself (evtap-ship-gen writes through store_append, as evtapd does in fleet
# mode), the shipper runs as nobody in the ship group, and evtap-ship-check reads the streams
# back as the custodian and the consumer will. The cluster's configuration is the smallest
# that works (one agent user limited to its host's subjects and inbox, an admin for the
# checks), written here until tests/fleet/ has evtap-fleet's harness. Every server and
# process is stopped by its own pid; every wait is bounded.
set -u
cd "$(dirname "$0")/../.." || exit 1
B=${BUILD:-build}
# Ports: clients BASE+1..3, routes BASE+101..103. Without EVTAP_SHIP_PORT_BASE, a base is
# picked from the pid and moved on while any of its ports is taken, so that runs side by side
# (other helpers, other suites) never join each other's cluster.
ports_free() {
	local b=$1 p
	for p in $((b + 1)) $((b + 2)) $((b + 3)) $((b + 101)) $((b + 102)) $((b + 103)); do
		ss -Htln "sport = :$p" | grep -q . && return 1
	done
	return 0
}
BASE=${EVTAP_SHIP_PORT_BASE:-}
if [ -z "$BASE" ]; then
	for ((i = 0; i < 20; i++)); do
		BASE=$((20000 + (($$ + i * 7) % 150) * 200))
		ports_free $BASE && break
	done
fi
SHIP_ID=65534 # nobody, in nogroup: the ship user and group of this test
UIDS=(33 34 1000)
NAMES=(www-data backup cloudsdk)
GEN=$B/tests/evtap-ship-gen
CHK=$B/tests/evtap-ship-check
start=$SECONDS
failed=0
declare -a NODE
SHIPD=
GENPID=

tmp=$(mktemp -d /tmp/evtap-ship-XXXXXX)
chmod 0755 "$tmp"

stop_pid() {
	[ -n "${1:-}" ] && kill -9 "$1" 2>/dev/null && wait "$1" 2>/dev/null
	return 0
}

cleanup() {
	local k
	stop_pid "$SHIPD"
	stop_pid "$GENPID"
	for k in 1 2 3; do stop_pid "${NODE[$k]:-}"; done
	[ -n "${EVTAP_SHIP_KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

pass() { echo "PASS $1"; }
fail() {
	echo "FAIL $1: $2"
	failed=1
}

for u in "${UIDS[@]}"; do
	getent passwd "$u" >/dev/null || {
		echo "FAIL fleet-ship-setup: no account of uid $u"
		exit 1
	}
done
[ "$(id -u)" = 0 ] || {
	echo "FAIL fleet-ship-setup: the suite runs as root (it runs the shipper as nobody)"
	exit 1
}

servers=nats://127.0.0.1:$((BASE + 1)),nats://127.0.0.1:$((BASE + 2)),nats://127.0.0.1:$((BASE + 3))
MID=evtap-ship-test-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
echo "$MID" >"$tmp/machine-id"
head -c 32 /dev/urandom >"$tmp/pseudonym.key"
$CHK keypair "$tmp/custodian.pub" "$tmp/custodian.sec" || exit 1
chmod 0600 "$tmp/custodian.sec"
chmod 0644 "$tmp/pseudonym.key" "$tmp/custodian.pub" "$tmp/machine-id"
HOST=$($CHK pseudonym "$tmp/pseudonym.key" "$MID")
printf 'user = agent\npassword = agentpw\ninbox = _INBOX_%s\n' "$HOST" >"$tmp/agent.auth"
chmod 0644 "$tmp/agent.auth"
cat >"$tmp/evtap.conf" <<CONF
[fleet]
servers = $servers
credentials = $tmp/agent.auth
pseudonym-key = $tmp/pseudonym.key
custodian-public-key = $tmp/custodian.pub
ship-state-dir = $tmp/state
max-in-flight = 32
CONF
chmod 0644 "$tmp/evtap.conf"
mkdir -p "$tmp/state" && chown $SHIP_ID:$SHIP_ID "$tmp/state"

node_conf() {
	local k=$1
	cat <<CONF
server_name: n$k
listen: 127.0.0.1:$((BASE + k))
jetstream { store_dir: "$tmp/js$k" }
cluster { name: evtap, listen: 127.0.0.1:$((BASE + 100 + k)),
  routes: [nats://127.0.0.1:$((BASE + 101)), nats://127.0.0.1:$((BASE + 102)),
           nats://127.0.0.1:$((BASE + 103))] }
accounts {
  SYS { users: [ { user: sys, password: syspw } ] }
  FLEET {
    jetstream: enabled
    users: [
      { user: admin, password: adminpw }
      { user: agent, password: agentpw, permissions: {
          publish: { allow: ["evtap.v1.data.*.$HOST", "evtap.v1.key.*.$HOST"] }
          subscribe: { allow: ["_INBOX_$HOST.>"] } } }
    ]
  }
}
system_account: SYS
CONF
}

start_node() {
	node_conf "$1" >"$tmp/n$1.conf"
	nats-server -c "$tmp/n$1.conf" >>"$tmp/n$1.log" 2>&1 &
	NODE[$1]=$!
}

start_shipd() {
	setpriv --reuid=$SHIP_ID --regid=$SHIP_ID --clear-groups $B/evtap-shipd \
		-c "$tmp/${1:-evtap}.conf" \
		--data-dir "$tmp/data" --machine-id "$tmp/machine-id" >>"$tmp/shipd.log" 2>&1 &
	SHIPD=$!
}

# status FIELD: a number from the shipper's status.json (0 if absent).
status() {
	python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], 0))" \
		"$tmp/state/status.json" "$1" 2>/dev/null || echo 0
}

# publish_errors: the failed publishes so far, all reasons.
publish_errors() {
	python3 -c "import json,sys; print(sum(json.load(open(sys.argv[1]))['publish_errors'].values()))" \
		"$tmp/state/status.json"
}

# drained SECONDS: waits for the shipper to report nothing left and nothing in flight.
drained() {
	local i
	for ((i = 0; i < $1 * 5; i++)); do
		if [ -e "$tmp/state/status.json" ] && [ "$(status backlog_bytes)" = 0 ] &&
			[ "$(status in_flight)" = 0 ] && [ "$(status connected)" = True ]; then
			sleep 1.2 # a last report after the last acknowledgement
			[ "$(status backlog_bytes)" = 0 ] && return 0
		fi
		sleep 0.2
	done
	return 1
}

verify() {
	$CHK verify "$servers" admin adminpw "$tmp/data" "$tmp/pseudonym.key" \
		"$tmp/custodian.sec" "$HOST" "$tmp/dump" "${UIDS[@]}"
}

# After nodes come back, each stream elects its leader on its own: the keys stream may still be
# without one when the data has drained. Checks again until it holds, for at most $1 seconds.
verify_within() {
	local i
	for ((i = 0; i < $1 * 2; i++)); do
		out=$(verify) && return 0
		sleep 0.5
	done
	return 1
}

leader_index() {
	local name
	name=$($CHK leader "$servers" admin adminpw) || return 1
	echo "${name#n}"
}

$B/tests/test_ship_flights || failed=1
for k in 1 2 3; do start_node $k; done
if $CHK streams "$servers" admin adminpw; then
	pass fleet-ship-cluster-up
else
	fail fleet-ship-cluster-up "the streams could not be made"
	exit 1
fi

# Bad input: a bad [fleet] key names file and line; root is refused.
printf '[fleet]\nservers = nats://127.0.0.1:1\nmax-in-flight = lots\n' >"$tmp/bad.conf"
chmod 0644 "$tmp/bad.conf"
out=$(setpriv --reuid=$SHIP_ID --regid=$SHIP_ID --clear-groups $B/evtap-shipd \
	-c "$tmp/bad.conf" 2>&1)
if [ $? -ne 0 ] && grep -qF "$tmp/bad.conf:3: bad value 'lots' for max-in-flight" <<<"$out"; then
	pass fleet-ship-bad-config
else
	fail fleet-ship-bad-config "$out"
fi
out=$($B/evtap-shipd -c "$tmp/evtap.conf" --data-dir "$tmp/data" 2>&1)
if [ $? -ne 0 ] && grep -q "refusing to run as root" <<<"$out"; then
	pass fleet-ship-refuses-root
else
	fail fleet-ship-refuses-root "$out"
fi

# Mid-stream: the store is written for 30 s while the shipper and the stream leader are killed.
$GEN "$tmp/data" "$tmp/keys" "$tmp/custodian.pub" $SHIP_ID 60 300 500 "${UIDS[@]}" &
GENPID=$!
sleep 1
start_shipd

as_ship() { setpriv --reuid=$SHIP_ID --regid=$SHIP_ID --clear-groups "$@"; }
seg=$(find "$tmp/data/${UIDS[0]}" -name '*.seg' | head -n 1)
if as_ship cat "$seg" >/dev/null 2>&1 && ! as_ship cat "$tmp/keys/host.key" >/dev/null 2>&1 &&
	! as_ship ls "$tmp/keys" >/dev/null 2>&1 &&
	! as_ship cat "$tmp/data/consent.conf" >/dev/null 2>&1 &&
	! as_ship cat "$tmp/data/audit.log" >/dev/null 2>&1; then
	pass fleet-ship-reads-segments-only
else
	fail fleet-ship-reads-segments-only "the ship user reads a key, consent or audit file"
fi

kills=0
for ((i = 0; i < 20; i++)); do
	sleep 0.$((4 + RANDOM % 5))
	kill -9 "$SHIPD" && kills=$((kills + 1))
	wait "$SHIPD" 2>/dev/null
	start_shipd
done
[ $kills = 20 ] && pass fleet-ship-killed-20-times || fail fleet-ship-killed-20-times "$kills"

if k=$(leader_index) && [ -n "$k" ]; then
	kill -9 "${NODE[$k]}"
	wait "${NODE[$k]}" 2>/dev/null
	sleep 2
	start_node "$k"
	pass fleet-ship-leader-killed
else
	fail fleet-ship-leader-killed "no leader found"
fi
wait "$GENPID" || fail fleet-ship-gen "the store writer failed"
GENPID=
if drained 60; then
	pass fleet-ship-drained
else
	fail fleet-ship-drained "backlog $(status backlog_bytes), in flight $(status in_flight)"
fi
if out=$(verify); then
	pass "fleet-ship-exactly-once ($out)"
else
	fail fleet-ship-exactly-once "$out"
fi

# Two of three nodes down: the shipper buffers in the store, and drains when they are back.
k=$(leader_index) || k=1
down=()
for j in 1 2 3; do [ "$j" != "$k" ] && down+=("$j"); done
for j in "${down[@]}"; do
	kill -9 "${NODE[$j]}"
	wait "${NODE[$j]}" 2>/dev/null
done
errors_before=$(publish_errors)
$GEN "$tmp/data" "$tmp/keys" "$tmp/custodian.pub" $SHIP_ID 10 300 200 "${UIDS[@]}" ||
	fail fleet-ship-gen "the store writer failed"
sleep 8
backlog=$(status backlog_bytes)
errors=$(publish_errors)
if [ "$backlog" -gt 0 ] && [ "$errors" -gt "$errors_before" ]; then
	pass "fleet-ship-buffers-without-quorum (backlog $backlog bytes)"
else
	fail fleet-ship-buffers-without-quorum "backlog $backlog, errors $errors_before -> $errors"
fi
for j in "${down[@]}"; do start_node "$j"; done
if drained 90 && verify_within 30; then
	pass "fleet-ship-drains-after-quorum ($out)"
else
	fail fleet-ship-drains-after-quorum "${out:-backlog $(status backlog_bytes)}"
fi

# Nothing that names a person or the machine leaves it: not in the servers' stores, not in a
# subject or a header, not in the shipper's log.
leak=
for w in "${NAMES[@]}" "$MID" EVTAP-PLAINTEXT-MARKER; do
	grep -rlaF -- "$w" "$tmp"/js1 "$tmp"/js2 "$tmp"/js3 >/dev/null 2>&1 && leak+=" store:$w"
	grep -qaF -- "$w" "$tmp/dump" && leak+=" wire:$w"
	grep -qaF -- "$w" "$tmp/shipd.log" && leak+=" log:$w"
done
for w in "${UIDS[@]}" "$(hostname)"; do
	cut -d' ' -f1 "$tmp/dump" | grep -qE "(^|\.)$w(\.|$)" && leak+=" subject:$w"
	grep -qw -- "uid $w\|uid=$w\|$(hostname)" "$tmp/shipd.log" && leak+=" log:$w"
done
[ -s "$tmp/dump" ] && [ -z "$leak" ] && pass fleet-ship-no-identity-on-the-wire ||
	fail fleet-ship-no-identity-on-the-wire "${leak:-empty dump}"

# What the shipper tells: its status and its metrics.
if grep -q '^evtap_ship_blocks_total [1-9]' "$tmp/state/metrics.prom" &&
	grep -q '^evtap_ship_publish_errors_total{reason="no_responders"} [1-9]' \
		"$tmp/state/metrics.prom" &&
	grep -q '^evtap_ship_reconnects_total ' "$tmp/state/metrics.prom" &&
	[ "$(status shipped_blocks)" -gt 0 ]; then
	pass fleet-ship-metrics
else
	fail fleet-ship-metrics "$(head -c 600 "$tmp/state/metrics.prom")"
fi
# Debian's promtool, when tests/promtool has it cached (the VM suites fetch it).
if promtool=$(EVTAP_VM_CACHE=${EVTAP_VM_CACHE:-/var/cache/evtap-vm} tests/promtool 2>/dev/null) &&
	[ -x "$promtool" ]; then
	if out=$("$promtool" check metrics <"$tmp/state/metrics.prom" 2>&1); then
		pass fleet-ship-metrics-promtool
	else
		fail fleet-ship-metrics-promtool "$out"
	fi
fi
# SIGTERM: the acknowledgements due are waited for, the status written, exit 0 (and, under
# SANITIZE=1, nothing reported).
kill -TERM "$SHIPD"
wait "$SHIPD"
rc=$?
SHIPD=
if [ $rc = 0 ] && grep -q "stopped: " "$tmp/shipd.log" &&
	! grep -q "AddressSanitizer\|runtime error\|LeakSanitizer" "$tmp/shipd.log"; then
	pass fleet-ship-stops-cleanly
else
	fail fleet-ship-stops-cleanly "exit $rc"
fi
# Retention ahead of the shipper, and a bounded drain: while it is stopped, new segments are
# written and the first of them of one user deleted; restarted with ship-rate = 100 blocks/s,
# it counts the deleted segment and drains the rest no faster than that.
read -r _ _ wm_seq _ <"$tmp/state/${UIDS[0]}.wm"
$GEN "$tmp/data" "$tmp/keys" "$tmp/custodian.pub" $SHIP_ID 1 12000 0 "${UIDS[@]}" ||
	fail fleet-ship-gen "the store writer failed"
rm -f "$tmp/data/${UIDS[0]}/$(printf '%016x' $((wm_seq + 1))).seg"
{ cat "$tmp/evtap.conf" && echo "ship-rate = 100"; } >"$tmp/rate.conf"
chmod 0644 "$tmp/rate.conf"
t0=$SECONDS
start_shipd rate
if drained 40 && elapsed=$((SECONDS - t0)) && [ "$elapsed" -ge 3 ] &&
	[ "$(status expired_unshipped)" = 1 ] && out=$(verify); then
	pass "fleet-ship-expired-and-rate ($elapsed s; $out)"
else
	fail fleet-ship-expired-and-rate "expired $(status expired_unshipped), ${out:-not drained}"
fi
echo "fleet-ship: $((SECONDS - start)) s"
[ $failed = 0 ] || { tail -n 30 "$tmp/shipd.log"; cat "$tmp/state/metrics.prom"; }
exit $failed
