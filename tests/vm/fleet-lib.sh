# Guest-side helpers for a fleet inside the VM (busybox sh), sourced after tests/vm/lib.sh by
# tests/vm/fleet.sh and vmtest/demo-guest.sh: one nats-server on the guest's own loopback set
# up by evtap-fleet init (the same files a real fleet gets), agents (an evtapd in fleet mode and
# its evtap-shipd as the ship user), the custodian, the eraser and the pipeline, each with its
# role's credentials. Every process started here is stopped by its own pid (fleet_stop).
FLEET_URL=nats://127.0.0.1:4222
FLEET_WORK=/tmp/fleet
FLEET_DIR=$FLEET_WORK/fleet # what evtap-fleet init makes
FLEET_PIDS=

# fleet_bg NAME LOG CMD...: starts CMD in the background, output to LOG, and keeps its pid in
# FLEET_PIDS and in $NAME. 3>&-: no daemon may hold the injector's fifo open.
fleet_bg() {
	_name=$1 _log=$2
	shift 2
	"$@" >>"$_log" 2>&1 3>&- &
	eval "$_name=$!"
	FLEET_PIDS="$! $FLEET_PIDS"
}

# fleet_stop_pid PID: SIGTERM, then at most 5 s until it is gone, then SIGKILL; reaped.
fleet_stop_pid() {
	kill -TERM "$1" 2>/dev/null
	wait_for 5 "! kill -0 $1" || kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# fleet_stop: everything fleet_bg started, the latest first (the broker last).
fleet_stop() {
	for p in $FLEET_PIDS; do
		fleet_stop_pid "$p"
	done
	FLEET_PIDS=
}

# fleet_logs: the end of every log of the fleet's processes, to see why a check failed.
fleet_logs() {
	for f in "$FLEET_WORK"/*.log "$FLEET_WORK"/pull.out /var/lib/evtap-ship-*/status.json; do
		[ -e "$f" ] || continue
		echo "--- $f"
		tail -n 15 "$f"
	done
}

# fleet_op ROLE OP ARGS...: one NATS operation as ROLE (admin, pipeline, ...): evtap-fleet-op,
# up to 3 times: under TCG a connect can outlast its 2 s timeout (see agent_start).
fleet_op() {
	_role=$1
	shift
	for _try in 1 2 3; do
		evtap-fleet-op "$FLEET_URL" "$FLEET_DIR/auth/$_role.auth" "$@" && return 0
	done
	return 1
}

# fleet_up HOST-ID...: init (the files, one agent user per host id), the broker with the
# accounts file, init again (the streams and buckets). init's report is in $FLEET_WORK/init.out.
fleet_up() {
	mkdir -p "$FLEET_WORK"
	_hosts=
	for h in "$@"; do _hosts="$_hosts --host $h"; done
	evtap-fleet init --servers "$FLEET_URL" --dir "$FLEET_DIR" $_hosts \
		>"$FLEET_WORK/init.out" 2>&1 || return 1
	cp "$FLEET_DIR/fleet-accounts.conf" "$FLEET_WORK/"
	cat >"$FLEET_WORK/nats.conf" <<EOF
server_name: guest
listen: 127.0.0.1:4222
http: 127.0.0.1:8222
jetstream { store_dir: "$FLEET_WORK/js" }
include "fleet-accounts.conf"
EOF
	fleet_bg NATS "$FLEET_WORK/nats.log" nats-server -c "$FLEET_WORK/nats.conf"
	wait_for 120 "grep -q 'Server is ready' $FLEET_WORK/nats.log" || return 1
	evtap-fleet init --servers "$FLEET_URL" --dir "$FLEET_DIR" >>"$FLEET_WORK/init.out" 2>&1
}

# fleet_host HOST-ID: the host pseudonym init gave that machine-id.
fleet_host() {
	sed -n "s/.*machine-id $1 (host \([0-9a-f]*\)).*/\1/p" "$FLEET_WORK/init.out" | head -n 1
}

# fleet_role_conf ROLE: a [fleet] section with only the broker and ROLE's credentials (the
# custodian's, the eraser's and the pipeline's whole configuration); prints its path.
fleet_role_conf() {
	printf '[fleet]\nservers = %s\ncredentials = %s\n' "$FLEET_URL" \
		"$FLEET_DIR/auth/$1.auth" >"$FLEET_WORK/$1.conf"
	echo "$FLEET_WORK/$1.conf"
}

# agent_start NAME HOST-ID DATA-DIR SOCKET SESSION-SOURCE: machine NAME: evtapd in fleet mode
# (level full, a 100 ms flush) and its shipper, as a real machine has them, in one guest:
# /etc/evtap/NAME.conf, the agent's files in /etc/evtap/fleet-NAME (the ship user's), its state
# in /var/lib/evtap-ship-NAME. SOCKET "" leaves the key out: evtapd's default, which the
# shipper then takes too. Pids in EVTAPD_NAME and SHIPD_NAME.
agent_start() {
	_n=$1 _id=$2 _data=$3 _sock=$4 _session=$5
	_etc=/etc/evtap/fleet-$_n _state=/var/lib/evtap-ship-$_n _conf=/etc/evtap/$_n.conf
	mkdir -p "$_etc" "$_state"
	cp "$FLEET_DIR/pseudonym.key" "$FLEET_DIR/custodian.pub" "$_etc/"
	cp "$FLEET_DIR/auth/agent-$(fleet_host "$_id").auth" "$_etc/agent.auth"
	chown -R evtap-ship:evtap-ship "$_etc" "$_state"
	{
		echo "[evtapd]"
		echo "data-dir = $_data"
		echo "key-dir = $_data-keys"
		[ -z "$_sock" ] || echo "socket = $_sock"
		echo "session-source = $_session"
		echo "level = full"
		echo "flush-interval = 100ms"
		echo "[fleet]"
		echo "servers = $FLEET_URL"
		echo "credentials = $_etc/agent.auth"
		echo "pseudonym-key = $_etc/pseudonym.key"
		echo "custodian-public-key = $_etc/custodian.pub"
		echo "host-id = $_id"
		echo "ship-state-dir = $_state"
	} >"$_conf"
	fleet_bg "EVTAPD_$_n" "$FLEET_WORK/$_n.evtapd.log" evtapd -c "$_conf"
	wait_for 60 "evtap --socket ${_sock:-$SOCK} status" || return 1
	# su execs the shell, which execs the shipper: $! is the shipper's own pid.
	fleet_bg "SHIPD_$_n" "$FLEET_WORK/$_n.shipd.log" su -s /bin/sh evtap-ship -c \
		"exec evtap-shipd -c $_conf --data-dir $_data"
	# Connected before the next client starts: under TCG a bcrypt check of the password takes
	# the server about a second, and clients connecting together outlast the 2 s connect
	# timeout, again and again.
	wait_for 60 "grep -q '\"connected\":true' $_state/status.json"
}

# ship_user STATE-DIR UID: "SHIPPED BACKLOG IN-FLIGHT" of that user, from the shipper's
# status.json.
ship_user() {
	_n='\([0-9]*\)'
	_re="\"$2\":{\"shipped_blocks\":$_n,\"shipped_bytes\":[0-9]*,\"backlog_bytes\":$_n"
	sed -n "s/.*$_re,\"in_flight\":$_n.*/\1 \2 \3/p" "$1/status.json" 2>/dev/null
}

# shipped STATE-DIR UID: the shipper has sent all of that user's store, and all of it is
# acknowledged.
shipped() {
	set -- $(ship_user "$1" "$2")
	[ "${1:-0}" -gt 0 ] && [ "$2" = 0 ] && [ "$3" = 0 ]
}

# stream_count STREAM SUBJECT: the messages on SUBJECT in STREAM, as the admin sees them.
stream_count() {
	fleet_op admin list "$1" | awk -v s="$2" '$2 == s' | wc -l
}

# The custodian, answering once it logs so (connected: see agent_start).
custodian_start() {
	fleet_bg CUSTODIAN "$FLEET_WORK/custodian.log" \
		evtap-custodian -c "$(fleet_role_conf custodian)" -k "$FLEET_DIR/custodian.sec"
	wait_for 60 "grep -q answering $FLEET_WORK/custodian.log"
}

# The eraser, once the server lists its connection (its monitoring port, connz).
eraser_start() {
	fleet_bg ERASER "$FLEET_WORK/eraser.log" evtap-erase -c "$(fleet_role_conf eraser)"
	wait_for 60 "wget -qO- http://127.0.0.1:8222/connz | grep -q '\"name\": *\"evtap-erase\"'"
}

# pull_run PURPOSE OUT: evtap-pull until 10 s without a message (counted from its start, and
# under TCG its connect alone can take seconds); its summary line in $FLEET_WORK/pull.out, its
# exit status in PULL_RC.
pull_run() {
	mkdir -p "$2"
	evtap-pull -c "$(fleet_role_conf pipeline)" --purpose "$1" --out "$2" --idle-exit 10 \
		>"$FLEET_WORK/pull.out" 2>>"$FLEET_WORK/pull.log" 3>&-
	PULL_RC=$?
}

# typed OUT PERSON [HOST]: the letters and spaces of PERSON's key presses in the pipeline's
# output (of HOST's blocks only, if given), in order.
typed() {
	cat "$1/$2"/*.jsonl 2>/dev/null | grep "\"host\":\"${3:-[0-9a-f]*}\"" |
		grep '"kind":"key"' | grep '"value":1[,}]' |
		sed 's/.*"name":"KEY_\([A-Z0-9]*\)".*/\1/' | sed 's/^SPACE$/ /' | tr -d '\n' |
		tr 'A-Z' 'a-z'
}
