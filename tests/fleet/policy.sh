#!/bin/bash
# The fleet policy suite (docs/FLEET.md, "The fleet's policy"), on a real nats-server on
# 127.0.0.1 made by evtap-fleet init (tests/fleet/lib.sh): `evtap-fleet policy set` reaches
# each agent within 5 s, and the local evtap.conf only lowers it. Two machines, each an evtapd
# over the kernel layer's double (evtap-test-hostd) and shipd's sync modules (evtap-syncdrive
# run, as the ship user "nobody", with the machine's agent credentials): A sets nothing
# locally, B has level = counts and retention-days = 7. Prints PASS/FAIL lines. Run as root.
# EVTAP_FLEET_PORT_BASE moves the port (default 14700: the client on BASE+1, clear of the
# other fleet suites' 14200-14699).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
T=$BUILD/fleet-tests
EVTAP=$BUILD/evtap
FLEET=$BUILD/evtap-fleet
FLEET_OP=$BUILD/fleet/evtap-fleet-op
SHIP_UID=65534 # nobody, in nogroup: the [fleet] ship-user and ship-group below
EVTAP_FLEET_PORT_BASE=${EVTAP_FLEET_PORT_BASE:-14700}
. tests/fleet/lib.sh
DEADLINE=50 # tenths of a second: the issue's 5 s

make -s -j2 test-fleet-policy >/dev/null || { echo "FAIL fleet-policy-build"; exit 1; }
command -v nats-server >/dev/null || { echo "FAIL fleet-policy-nats-server-missing"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "FAIL fleet-policy: must run as root"; exit 1; }

W=$(mktemp -d /tmp/evtap-policy.XXXXXX)
chmod 0755 "$W"
F=$W/fleet
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		stop "$p"
	done
	fleet_stop
	rm -rf "$W"
}
trap cleanup EXIT

check() { # check NAME CMD...: PASS when CMD succeeds
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name" "$(tail -c 600 "$W/last" 2>/dev/null)"; fi
}
timed() { # timed NAME TENTHS CMD...: check, saying how long it took
	local name=$1
	shift
	if within "$@"; then ok "$name (${TOOK} ms)"; else bad "$name" "$(tail -c 600 "$W/last")"; fi
}

# --- The fleet: its files, one node, then its streams and buckets. ---
URL=$(FLEET_NODES=1 fleet_servers)
"$FLEET" init --servers "$URL" --dir "$F" --host machine-A --host machine-B >"$W/init.out" 2>&1 ||
	{ bad fleet-policy-init "$(tail -3 "$W/init.out")"; exit 1; }
fleet_start 1 "$W/srv" "$F" 2>"$W/last" ||
	{ bad fleet-policy-nats-start "$(cat "$W/last")"; exit 1; }
"$FLEET" init --servers "$URL" --dir "$F" >>"$W/init.out" 2>&1 ||
	{ bad fleet-policy-setup "$(tail -3 "$W/init.out")"; exit 1; }
policy_set() { "$FLEET" policy set --dir "$F" "$@" >>"$W/policy.out" 2>&1; }

# --- Machines A and B: evtapd (fleet mode) with their local lines, then their shippers. ---
declare -A DATA SOCK
start_host() { # start_host NAME LOCAL-LINES UID...
	local m=$1 state=$W/state-$1
	mkdir -p "$state"
	chown $SHIP_UID:$SHIP_UID "$state"
	{
		printf 'flush-interval = 100ms\n%b' "$2"
		cat <<EOF
[fleet]
servers = $URL
credentials = $F/auth/admin.auth
pseudonym-key = $F/pseudonym.key
custodian-public-key = $F/custodian.pub
ship-group = nogroup
ship-user = nobody
ship-state-dir = $state
EOF
	} >"$W/$m.conf"
	"$T/evtap-test-hostd" "$W/$m.conf" "$W/$m.ready" "${@:3}" >"$W/$m.hostd.log" 2>&1 &
	PIDS+=($!)
	within 100 test -s "$W/$m.ready" || return 1
	read -r DATA[$m] SOCK[$m] <"$W/$m.ready"
	local host
	host=$(sed -n "s/.*machine-id machine-$m (host \([0-9a-f]*\)).*/\1/p" "$W/init.out" | head -1)
	"$T/evtap-syncdrive" run --servers "$URL" --creds "$F/auth/agent-$host.auth" \
		--key "$F/pseudonym.key" --host-id "machine-$m" --data-dir "${DATA[$m]}" \
		--state-dir "$state" --socket "${SOCK[$m]}" --as $SHIP_UID --account alice=1000 \
		>>"$W/$m.driver.log" 2>&1 &
	PIDS+=($!)
}
start_host A "" 1000 || { bad fleet-policy-host-A "$(cat "$W/A.hostd.log")"; exit 1; }
start_host B 'level = counts\nretention-days = 7\n' 1000 ||
	{ bad fleet-policy-host-B "$(cat "$W/B.hostd.log")"; exit 1; }

status() { # status MACHINE: alice's status object, as root
	"$EVTAP" --socket "${SOCK[$1]}" status --user 1000 --json 2>&1 | tr -d ' \n' >"$W/last"
	cat "$W/last"
}
# setting MACHINE KEY VALUE SOURCE: the status says KEY is VALUE, from SOURCE.
setting() { status "$1" | grep -q "\"$2\":{\"value\":\"$3\",\"source\":\"$4\""; }

# --- A change reaches the machines within 5 s; a local lower value stays. ---
policy_set level=counts retention=30d || bad fleet-policy-set "$(tail -3 "$W/policy.out")"
timed policy_level_counts_from_the_fleet_within_5s $DEADLINE setting A level counts fleet
check policy_status_names_the_revision_and_time \
	sh -c "'$EVTAP' --socket '${SOCK[A]}' status --user 1000 >'$W/last' &&
	grep -q 'level  *counts  *the fleet.s (evtap-policy revision [0-9]*, 20' '$W/last'"
check policy_retention_from_the_fleet within $DEADLINE setting A retention 30d fleet
check policy_local_lower_retention_stays within $DEADLINE setting B retention 7d local
says() { status "$1" | grep -q "$2"; } # says MACHINE TEXT: its status object holds TEXT
check policy_status_says_what_the_local_file_lowered \
	says B '"fleet":"30d","local":"7d","lowered":true'
check policy_local_equal_to_the_fleet_is_the_fleets setting B level counts fleet

# --- The fleet raises above the local file: not on B. ---
policy_set level=full
timed policy_raise_reaches_A $DEADLINE setting A level full fleet
B_LEVEL='"level":{"value":"counts","source":"local","revision":[0-9]*,"time":"[^"]*",'
B_LEVEL+='"fleet":"full","local":"counts","lowered":true}'
check policy_raise_above_local_does_not_raise_B within $DEADLINE says B "$B_LEVEL"
check policy_B_records_at_most_counts says B '"fleet_level":"counts"'
check policy_B_text_says_it_lowers sh -c "'$EVTAP' --socket '${SOCK[B]}' status --user 1000 |
	grep -q \"level  *counts  *this machine's evtap.conf: lowers the fleet's full\""

# --- Purposes, with their descriptions, beside the person's exclusions. ---
policy_set "purposes=ai-training:Train models,security:Detect intrusions"
purposes() { # purposes MACHINE: evtap purposes as alice
	setpriv --reuid 1000 --regid 1000 --clear-groups "$EVTAP" --socket "${SOCK[$1]}" purposes \
		>"$W/last" 2>&1
}
shows_purposes() { purposes A && grep -q 'ai-training  *Train models' "$W/last" &&
	grep -q 'security  *Detect intrusions' "$W/last"; }
check policy_purposes_shown_by_evtap_purposes within $DEADLINE shows_purposes
setpriv --reuid 1000 --regid 1000 --clear-groups "$EVTAP" --socket "${SOCK[A]}" opt-out \
	--purpose ai-training >/dev/null
shows_exclusion() { purposes A && grep -q 'ai-training .*\[you excluded it\]' "$W/last" &&
	grep -q 'may not use your data for: ai-training' "$W/last"; }
check policy_purposes_show_the_persons_exclusion shows_exclusion

# --- A bad value put in the bucket by hand: logged with bucket, key and what was expected;
# the key keeps its last good value, the rest applies. ---
"$FLEET_OP" "$URL" "$F/auth/admin.auth" kvput evtap-policy level bogus >/dev/null 2>&1 ||
	bad policy_bad_value_put "fleet-op kvput"
policy_set time-granularity=250
check policy_a_good_key_after_a_bad_one_applies within $DEADLINE \
	setting A time-granularity 250 fleet
cp "$W/A.driver.log" "$W/last"
check policy_bad_value_logged_with_bucket_key_and_expected grep -q "fleet policy: bucket \
evtap-policy, key level: bad value 'bogus': expected off, counts, classes or full" "$W/A.driver.log"
check policy_bad_value_keeps_the_last_good_one setting A level full fleet
check policy_no_crash sh -c "kill -0 ${PIDS[1]} && kill -0 ${PIDS[3]}"

# --- The broker away: the machines keep what they had. ---
fleet_stop
sleep 1
check policy_kept_while_the_broker_is_down setting A level full fleet

# --- Stopped as SIGTERM stops them: clean, also under SANITIZE=1. ---
for p in "${PIDS[@]}"; do
	stop "$p"
done
PIDS=()
cat "$W"/*.log >"$W/last"
check policy_stops_cleanly sh -c "! grep -q -e 'ERROR: AddressSanitizer' -e 'runtime error:' \
	-e 'ERROR: LeakSanitizer' '$W/last'"
