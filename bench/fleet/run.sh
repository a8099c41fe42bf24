#!/bin/bash
# bench/fleet/run.sh [AGENTS [SECONDS [SPEED...]]] (make bench-fleet; defaults 1000 60 1 10):
# for each SPEED, a fresh 3-node cluster on 127.0.0.1 set up by evtap-fleet init (one agent
# user per simulated host, as on a real fleet), evtap-bench-fleet's AGENTS agents shipping the
# input mix at SPEED times its rate for SECONDS, the EVTAP_DATA leader killed with SIGKILL
# halfway through and restarted 5 s later; then the broker's disk bytes and one results table.
# Ports: EVTAP_BENCH_FLEET_PORT_BASE (default 23000): clients BASE+1..3, routes BASE+101..103.
# The agents' stores and state dirs are on tmpfs (EVTAP_BENCH_FLEET_AGENT_DIR, default /dev/shm):
# a thousand agents' fsyncs on one virtual disk would measure the disk, not the shipper (on a
# real fleet each has its own); the servers' stores are on disk, under /tmp.
# The fleet directory is kept in build/bench-fleet/fleet-AGENTS: init's bcrypt hash per host
# (about 60 ms each) is paid once. Every server is stopped by its own pid.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
FLEET_OP=$BUILD/fleet/evtap-fleet-op
CHK=$BUILD/tests/evtap-ship-check
SIM=$BUILD/bench-host/evtap-bench-fleet
export EVTAP_FLEET_PORT_BASE=${EVTAP_BENCH_FLEET_PORT_BASE:-23000}
. tests/fleet/lib.sh
AGENTS=${1:-1000}
SECONDS_RUN=${2:-60}
shift $(($# < 2 ? $# : 2))
SPEEDS=${*:-1 10}
OUT=$BUILD/bench-fleet
FLEET_DIR=$(realpath -m "$OUT/fleet-$AGENTS")
W=$(mktemp -d /tmp/evtap-bench-fleet.XXXXXX)
A=$(mktemp -d "${EVTAP_BENCH_FLEET_AGENT_DIR:-/dev/shm}/evtap-bench-fleet.XXXXXX")
SIM_PID=
cleanup() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	fleet_stop
	[ -n "${EVTAP_BENCH_FLEET_KEEP:-}" ] || rm -rf "$W" "$A"
}
trap cleanup EXIT
FLEET_NODES=3
SERVERS=$(fleet_servers)
mkdir -p "$OUT"

if [ ! -f "$FLEET_DIR/fleet-accounts.conf" ]; then
	# init takes at most 256 --host at a time, and hashes every user again each time.
	echo "fleet: evtap-fleet init with $AGENTS hosts (a bcrypt hash each)..."
	for ((first = 0; first < AGENTS; first += 256)); do
		hosts=()
		for ((i = first; i < first + 256 && i < AGENTS; i++)); do
			hosts+=(--host "bench-host-$i")
		done
		"$BUILD/evtap-fleet" init --servers "$SERVERS" --dir "$FLEET_DIR" "${hosts[@]}" \
			>>"$W/init.log" 2>&1
	done
	[ -f "$FLEET_DIR/fleet-accounts.conf" ] || { cat "$W/init.log"; exit 1; }
fi

# node_pid K, node_restart K WORK: the K-th node's pid, and the same node started again.
node_restart() {
	nats-server -c "$2/n$1.conf" >>"$2/n$1.log" 2>&1 &
	FLEET_PIDS[$(($1 - 1))]=$!
}

# The leader of EVTAP_DATA, as a node number, asked as the admin.
leader_index() {
	local user pass name
	user=$(sed -n 's/^user = //p' "$FLEET_DIR/auth/admin.auth")
	pass=$(sed -n 's/^password = //p' "$FLEET_DIR/auth/admin.auth")
	name=$("$CHK" leader "$SERVERS" "$user" "$pass") || return 1
	echo "${name#n}"
}

# wait_for PATTERN FILE SECONDS PID: until PATTERN is in FILE, while PID lives.
wait_for() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q -- "$1" "$2" 2>/dev/null && return 0
		kill -0 "$4" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

machine() {
	echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)," \
		"kernel $(uname -r), $(nats-server --version), libnats $(dpkg-query -W \
		-f '${Version}' libnats3.4 2>/dev/null), $(date -u '+%Y-%m-%d %H:%M UTC')"
}

# run SPEED: one run; its results in $OUT/speed-SPEED.txt.
run() {
	local speed=$1 work=$W/nodes-$1 res=$OUT/speed-$1.txt k status
	fleet_start 3 "$work" "$FLEET_DIR" || return 1
	"$BUILD/evtap-fleet" init --servers "$SERVERS" --dir "$FLEET_DIR" >"$work/init.log" 2>&1 ||
		{ cat "$work/init.log"; return 1; }
	echo "fleet: x$speed: connecting $AGENTS agents (load $(cut -d' ' -f1-3 /proc/loadavg))"
	mkdir -p "$A/agents-$speed"
	"$SIM" "$FLEET_DIR" "$SERVERS" "$A/agents-$speed" "$AGENTS" "$SECONDS_RUN" "$speed" \
		>"$W/sim-$speed.out" 2>"$W/sim-$speed.err" &
	SIM_PID=$!
	if ! wait_for "window open" "$W/sim-$speed.out" 900 "$SIM_PID"; then
		tail -n 5 "$W/sim-$speed.err" >&2
		return 1
	fi
	local load_open=$(cut -d' ' -f1-3 /proc/loadavg)
	echo "fleet: x$speed: window open (load $load_open); leader killed at $((SECONDS_RUN / 2)) s"
	sleep $((SECONDS_RUN / 2))
	k=$(leader_index)
	if [ -n "$k" ]; then
		kill -9 "${FLEET_PIDS[$((k - 1))]}"
		wait "${FLEET_PIDS[$((k - 1))]}" 2>/dev/null
		sleep 5
		node_restart "$k" "$work"
	fi
	local load_mid=$(cut -d' ' -f1-3 /proc/loadavg)
	wait "$SIM_PID"
	status=$?
	SIM_PID=
	{
		machine
		echo "agents=$AGENTS speed=$speed seconds=$SECONDS_RUN killed=n${k:-none}" \
			"load_open=\"$load_open\" load_kill=\"$load_mid\"" \
			"load_end=\"$(cut -d' ' -f1-3 /proc/loadavg)\" sim_status=$status"
		cat "$W/sim-$speed.out"
		# The stream's files on each node (3 replicas): apparent and allocated bytes.
		for k in 1 2 3; do
			local d=$work/n$k/jetstream/FLEET/streams/EVTAP_DATA
			echo "disk_n$k=$(du -sb "$d" | cut -f1) disk_alloc_n$k=$(du -sB1 "$d" | cut -f1)"
		done
		echo "sim_errors_logged=$(wc -l <"$W/sim-$speed.err")"
	} >"$res"
	cat "$res"
	fleet_stop
	[ -n "${EVTAP_BENCH_FLEET_KEEP:-}" ] || rm -rf "$work" "$A/agents-$speed"
	return "$status"
}

failed=0
for speed in $SPEEDS; do
	run "$speed" || failed=1
done
python3 bench/fleet/report.py "$OUT"/speed-*.txt | tee "$OUT/results.md"
exit $failed
