#!/bin/bash
# The fleet test harness, sourced by the fleet suites (tests/fleet/*.sh): PASS/FAIL lines,
# bounded waits, stopping a process by its pid, and a 1- or 3-node nats-server cluster on 127.0.0.1 that includes the accounts file made by
# evtap-fleet init. Ports come from EVTAP_FLEET_PORT_BASE (default 14200) so that parallel
# runs do not collide: clients on BASE+1..BASE+N, routes on BASE+101..BASE+100+N. Every wait
# is bounded; every server is stopped by its own pid (fleet_stop; run.sh traps it on exit).

ok() { echo "PASS $1"; }
bad() { echo "FAIL $1${2:+: $2}"; }

# stop PID: one of the suite's processes, by its own pid (none: nothing), waited for; kill -9
# after 5 s.
stop() {
	local i
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# within TENTHS CMD...: CMD succeeds within TENTHS tenths of a second; TOOK says how long it
# took, in ms.
within() {
	local i n=$1 t0
	shift
	t0=$(date +%s%N)
	for ((i = 0; i < n; i++)); do
		"$@" && TOOK=$((($(date +%s%N) - t0) / 1000000)) && return 0
		sleep 0.1
	done
	return 1
}

FLEET_PORT_BASE=${EVTAP_FLEET_PORT_BASE:-14200}
FLEET_PIDS=()
FLEET_NODES=0

# fleet_servers: the client URLs, comma-separated, as --servers takes them.
fleet_servers() {
	local i urls=
	for ((i = 1; i <= ${FLEET_NODES:-1}; i++)); do
		urls+="${urls:+,}nats://127.0.0.1:$((FLEET_PORT_BASE + i))"
	done
	echo "$urls"
}

# fleet_node_conf N K WORK: the configuration of node K of N.
fleet_node_conf() {
	local n=$1 k=$2 work=$3 i routes=
	echo "server_name: n$k"
	echo "listen: 127.0.0.1:$((FLEET_PORT_BASE + k))"
	echo "jetstream { store_dir: \"$work/n$k\" }"
	if [ "$n" -gt 1 ]; then
		for ((i = 1; i <= n; i++)); do
			routes+="${routes:+, }nats://127.0.0.1:$((FLEET_PORT_BASE + 100 + i))"
		done
		echo "cluster { name: evtap, listen: 127.0.0.1:$((FLEET_PORT_BASE + 100 + k)),"
		echo "  routes: [$routes] }"
	fi
	echo "include \"fleet-accounts.conf\""
}

# fleet_wait_log PATTERN FILE...: waits up to 30 s for PATTERN in any of the files.
fleet_wait_log() {
	local i pattern=$1
	shift
	for ((i = 0; i < 300; i++)); do
		grep -q -- "$pattern" "$@" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "fleet: no '$pattern' in $* after 30 s" >&2
	return 1
}

# fleet_start N WORK DIR: starts N nodes with DIR/fleet-accounts.conf (copied into WORK, which
# the nodes' include reads relative to their config), then waits until JetStream answers
# $JS.API.INFO for the admin of DIR.
fleet_start() {
	local n=$1 work=$2 dir=$3 k ready logs=()
	FLEET_NODES=$n
	mkdir -p "$work"
	cp "$dir/fleet-accounts.conf" "$work/fleet-accounts.conf"
	for ((k = 1; k <= n; k++)); do
		fleet_node_conf "$n" "$k" "$work" >"$work/n$k.conf"
		# Named, not globbed: the background job may not have made its log yet.
		logs+=("$work/n$k.log")
		nats-server -c "$work/n$k.conf" >"$work/n$k.log" 2>&1 &
		FLEET_PIDS+=($!)
	done
	# The elected node logs "Self is new JetStream cluster metadata leader", the others
	# "JetStream cluster new metadata leader: NAME".
	ready="Server is ready"
	[ "$n" -gt 1 ] && ready="JetStream cluster metadata leader\|cluster new metadata leader"
	if ! fleet_wait_log "$ready" "${logs[@]}" || ! fleet_wait_js "$dir"; then
		tail -n 5 "${logs[@]}" >&2
		return 1
	fi
}

# fleet_wait_js DIR: polls $JS.API.INFO as DIR's admin, at most 50 times.
fleet_wait_js() {
	local i
	for ((i = 0; i < 50; i++)); do
		"$FLEET_OP" "$(fleet_servers)" "$1/auth/admin.auth" account >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "fleet: JetStream does not answer" >&2
	return 1
}

# fleet_reload WORK DIR: the nodes read the accounts file anew (after add-host).
fleet_reload() {
	local pid
	cp "$2/fleet-accounts.conf" "$1/fleet-accounts.conf"
	for pid in "${FLEET_PIDS[@]}"; do
		kill -HUP "$pid"
	done
}

# fleet_stop: each server by its pid, waited for; kill -9 after 5 s.
fleet_stop() {
	local pid i
	for pid in "${FLEET_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${FLEET_PIDS[@]}"; do
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	FLEET_PIDS=()
}
