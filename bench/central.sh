#!/bin/bash
# make bench-fleet: the central side's figures for docs/BENCHMARKS.md. (1) evtap-pull's
# decrypt-verify-write path alone (evtap-bench-pull: 1,000,000 key records in 250 blocks,
# written and fsynced as evtap-pull does), in records per second of CPU time; (2) the
# custodian's release latency with 1,000 people, against one nats-server on 127.0.0.1 set up
# by evtap-fleet init (evtap-bench-release: 2,000 releases one after the other, each a fresh
# key pair and the answer opened). Every server stopped by its own pid.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
FLEET_OP=$BUILD/fleet/evtap-fleet-op
export EVTAP_FLEET_PORT_BASE=${EVTAP_FLEET_PORT_BASE:-14600}
. tests/fleet/lib.sh
W=$(mktemp -d /tmp/evtap-bench-central.XXXXXX)
CUSTODIAN=
cleanup() {
	[ -n "$CUSTODIAN" ] && kill "$CUSTODIAN" 2>/dev/null && wait "$CUSTODIAN" 2>/dev/null
	fleet_stop
	rm -rf "$W"
}
trap cleanup EXIT
FLEET_NODES=1
SERVERS=$(fleet_servers)

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
mkdir -p "$W/out"
echo -n "consumer: "
"$BUILD/bench/evtap-bench-pull" "$W/out" 250 4000 || exit 1
rm -rf "$W/out"

"$BUILD/evtap-fleet" init --servers "$SERVERS" --dir "$W/fleet" --host bench-host >/dev/null 2>&1
fleet_start 1 "$W/nodes" "$W/fleet" || exit 1
"$BUILD/evtap-fleet" init --servers "$SERVERS" --dir "$W/fleet" >/dev/null 2>&1
"$BUILD/evtap-fleet" policy set "purposes=ai-training:Train models" --dir "$W/fleet" >/dev/null
printf '[fleet]\nservers = %s\ncredentials = %s\n' "$SERVERS" "$W/fleet/auth/custodian.auth" \
	>"$W/custodian.conf"
"$BUILD/evtap-custodian" -c "$W/custodian.conf" -k "$W/fleet/custodian.sec" >"$W/c.log" 2>&1 &
CUSTODIAN=$!
echo -n "custodian: "
"$BUILD/bench/evtap-bench-release" "$SERVERS" "$W/fleet" bench-host 1000 2000
