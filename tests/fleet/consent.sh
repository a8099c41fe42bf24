#!/bin/bash
# The fleet consent suite: consent follows the person, and forget reaches every copy
# (docs/FLEET.md), on a real nats-server on 127.0.0.1. Two machines, A and B, each an evtapd
# over the kernel layer's double (evtap-test-hostd) and shipd's consent sync and forget modules
# (evtap-syncdrive run, as the ship user "nobody"); alice is uid 1000 on A and 1002 on B, bob
# 1001 on both; evtap-erase purges. Prints PASS/FAIL lines, and which permissions it ran with.
# Run as root (callers of any uid).
# EVTAP_FLEET_PORT_BASE moves the port (default 14400, BASE+1: clear of the fleet suite's
# clients and routes, 14201-14203 and 14301-14303, and the fleet-ship suite's, from 14600).
set -u
cd "$(dirname "$0")/../.."
. tests/fleet/lib.sh
BUILD=${BUILD:-build}
T=$BUILD/fleet-tests
EVTAP=$BUILD/evtap
SHIP_UID=65534 # nobody, in nogroup: the [fleet] ship-user and ship-group below
PORT=$((${EVTAP_FLEET_PORT_BASE:-14400} + 1))
URL=nats://127.0.0.1:$PORT
DEADLINE=50 # tenths of a second: the issue's 5 s

make -s -j2 test-fleet-consent >/dev/null || { echo "FAIL fleet-consent-build"; exit 1; }
command -v nats-server >/dev/null || { echo "FAIL fleet-consent-nats-server-missing"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "FAIL fleet-consent: must run as root"; exit 1; }

W=$(mktemp -d /tmp/evtap-consent.XXXXXX)
chmod 0755 "$W"
PIDS=()
NATS_PID=
cleanup() {
	local p
	for p in "${PIDS[@]}" $NATS_PID; do
		stop "$p"
	done
	rm -rf "$W"
}
trap cleanup EXIT

check() { # check NAME CMD...: PASS when CMD succeeds
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name" "$(tail -c 400 "$W/last" 2>/dev/null)"; fi
}
# timed NAME TENTHS CMD...: check NAME that CMD succeeds within TENTHS, saying how long it took.
timed() {
	local name=$1
	shift
	if within "$@"; then ok "$name (${TOOK} ms)"; else bad "$name" "$(tail -c 400 "$W/last")"; fi
}

# --- The broker: one node, JetStream in the work dir. With evtap-fleet built, the fleet is
# made by evtap-fleet init and each program connects as its role (the permissions as made);
# without it, as one user with every permission. ---
FLEET=$BUILD/evtap-fleet
F=$W/fleet
if [ -x "$FLEET" ]; then
	ROLES=1
	"$FLEET" init --servers "$URL" --dir "$F" --host machine-A --host machine-B \
		--host machine-C >"$W/init.out" 2>&1 || { bad fleet-consent-init; exit 1; }
	cp "$F/fleet-accounts.conf" "$W/"
	AUTH=include
	KEY=$F/pseudonym.key
	ADMIN=$F/auth/admin.auth
	ERASER=$F/auth/eraser.auth
	cp "$F/custodian.pub" "$W/custodian.pub"
else
	ROLES=0
	AUTH='authorization { users: [ { user: fleet, password: "fleet-test" } ] }'
	printf 'user = fleet\npassword = fleet-test\ninbox = _INBOX_test\n' >"$W/fleet.auth"
	head -c 32 /dev/urandom >"$W/pseudonym.key"
	head -c 32 /dev/urandom >"$W/custodian.pub"
	KEY=$W/pseudonym.key
	ADMIN=$W/fleet.auth
	ERASER=$W/fleet.auth
fi
{
	echo "listen: 127.0.0.1:$PORT"
	echo "jetstream { store_dir: \"$W/js\" }"
	if [ $ROLES = 1 ]; then echo 'include "fleet-accounts.conf"'; else echo "$AUTH"; fi
} >"$W/nats.conf"
start_nats() {
	nats-server -c "$W/nats.conf" >>"$W/nats.log" 2>&1 &
	NATS_PID=$!
	within 100 grep -q "Server is ready" "$W/nats.log"
}
start_nats || { bad nats-start "$(tail -3 "$W/nats.log")"; exit 1; }
COMMON=(--servers "$URL" --creds "$ADMIN" --key "$KEY")
drive() { "$T/evtap-syncdrive" "$1" "${COMMON[@]}" "${@:2}"; }
if [ $ROLES = 1 ]; then # init again, the servers up: the streams and buckets
	within 50 "$FLEET" init --servers "$URL" --dir "$F" >>"$W/init.out" 2>&1 ||
		{ bad fleet-consent-setup "$(tail -3 "$W/init.out")"; exit 1; }
else
	within 50 drive setup 2>"$W/last" || { bad fleet-consent-setup "$(cat "$W/last")"; exit 1; }
fi
echo "fleet-consent: $([ $ROLES = 1 ] && echo "each role's permissions, as evtap-fleet init makes them" || echo "one user, every permission (no evtap-fleet built)")"
ALICE=$(drive person alice)
BOB=$(drive person bob)

# --- Machines A and B: evtapd (fleet mode), then their shippers' modules. ---
declare -A DATA SOCK DRIVER STATE
start_host() { # start_host NAME UID...
	local m=$1
	shift
	STATE[$m]=$W/state-$m
	mkdir -p "${STATE[$m]}"
	chown $SHIP_UID:$SHIP_UID "${STATE[$m]}"
	cat >"$W/$m.conf" <<EOF
flush-interval = 100ms
[fleet]
servers = $URL
credentials = $ADMIN
pseudonym-key = $KEY
custodian-public-key = $W/custodian.pub
ship-group = nogroup
ship-user = nobody
ship-state-dir = ${STATE[$m]}
EOF
	"$T/evtap-test-hostd" "$W/$m.conf" "$W/$m.ready" "$@" >"$W/$m.hostd.log" 2>&1 &
	PIDS+=($!)
	within 100 test -s "$W/$m.ready" || return 1
	read -r DATA[$m] SOCK[$m] <"$W/$m.ready"
}
start_driver() { # start_driver NAME ACCOUNTS...
	local m=$1 a args=()
	shift
	for a in "$@"; do args+=(--account "$a"); done
	# The machine's agent credentials when the fleet was made by init.
	local creds=$ADMIN host
	if [ $ROLES = 1 ]; then
		host=$(sed -n "s/.*machine-id machine-$m (host \([0-9a-f]*\)).*/\1/p" "$W/init.out" |
			head -1)
		creds=$F/auth/agent-$host.auth
	fi
	# Directly, not through drive(): $! must be the driver's own pid.
	"$T/evtap-syncdrive" run --servers "$URL" --creds "$creds" --key "$KEY" \
		--host-id "machine-$m" --data-dir "${DATA[$m]}" \
		--state-dir "${STATE[$m]}" --socket "${SOCK[$m]}" --as $SHIP_UID "${args[@]}" \
		>>"$W/$m.driver.log" 2>&1 &
	DRIVER[$m]=$!
	PIDS+=($!)
}
start_host A 1000 1001 || { bad fleet-consent-host-A "$(cat "$W/A.hostd.log")"; exit 1; }
start_host B 1002 1001 || { bad fleet-consent-host-B "$(cat "$W/B.hostd.log")"; exit 1; }
start_driver A alice=1000 bob=1001
start_driver B alice=1002 bob=1001

as() { # as MACHINE UID evtap ARGS...: the CLI as that user on that machine
	local m=$1 uid=$2
	shift 3
	setpriv --reuid "$uid" --regid "$uid" --clear-groups "$EVTAP" --socket "${SOCK[$m]}" "$@"
}
status() { # status MACHINE UID: the status object, as root
	"$EVTAP" --socket "${SOCK[$1]}" status --user "$2" --json 2>&1 | tr -d ' \n' >"$W/last"
	cat "$W/last"
}
opted_out() { status "$1" "$2" | grep -q '"opted_out":true'; }
opted_in() { status "$1" "$2" | grep -q '"opted_out":false'; }
from_fleet() { status "$1" "$2" | grep -q '"source":"fleet","source_time":"'; }
local_choice() { status "$1" "$2" | grep -q '"source":"local"'; }
user_level() { status "$1" "$2" | grep -q "\"user_level\":\"$3\""; }

# --- Consent follows the person. ---
as A 1000 evtap opt-out >/dev/null
timed consent_opt_out_on_A_applied_on_B_within_5s $DEADLINE opted_out B 1002
check consent_B_says_the_choice_came_from_the_fleet from_fleet B 1002
check consent_A_says_the_choice_is_its_own local_choice A 1000
check consent_bob_untouched_on_B sh -c "! '$EVTAP' --socket '${SOCK[B]}' status --user 1001 \
	--json | grep -q opted_out"
as B 1002 evtap opt-in >/dev/null
timed consent_opt_in_on_B_applied_on_A_within_5s $DEADLINE opted_in A 1000
check consent_no_uid_or_name_in_the_bucket sh -c "! grep -rqs -e alice -e '\"uid\"' '$W/js'"

# --- Purposes: excluding one is a consent choice like the others, recording goes on. ---
excluded() { status "$1" "$2" | grep -q "\"excluded_purposes\":\"$3\""; }
as A 1000 evtap opt-out --purpose ai-training >/dev/null
check purposes_excluded_on_A_applied_on_B_within_5s within $DEADLINE excluded B 1002 ai-training
check purposes_recording_goes_on opted_in B 1002
check purposes_in_the_bucket_as_a_list grep -rqs '"excluded_purposes":\["ai-training"\]' "$W/js"
check purposes_shown_to_the_person sh -c "'$EVTAP' --socket '${SOCK[B]}' purposes --user 1002 |
	grep -q 'may not use your data for: ai-training'"
as B 1002 evtap opt-in --purpose ai-training >/dev/null
check purposes_allowed_again_on_B_reaches_A within $DEADLINE excluded A 1000 ""

# --- Offline: B's shipper is away; both machines change things; B comes back. ---
stop "${DRIVER[B]}"
as B 1002 evtap opt-in >/dev/null # older than A's opt-out below: must not undo it
sleep 0.05
as A 1000 evtap opt-out >/dev/null
as B 1001 evtap level counts >/dev/null # made offline: published on reconnect
sleep 1
check offline_B_does_not_have_it_yet opted_in B 1002
start_driver B alice=1002 bob=1001
timed offline_B_applies_the_latest_on_reconnect $DEADLINE opted_out B 1002
check offline_B_publishes_its_offline_change within $DEADLINE user_level A 1001 counts
sleep 1
check offline_older_opt_in_did_not_undo_the_opt_out_on_A opted_out A 1000
check offline_outbox_emptied within $DEADLINE \
	sh -c "[ -z \"\$(ls '${DATA[B]}/fleet-outbox')\" ]"
# B's older opt-in was not put over A's opt-out: a machine new to alice gets the opt-out.
start_host C 1003 || bad offline_host_C "$(cat "$W/C.hostd.log")"
start_driver C alice=1003
check offline_bucket_keeps_the_latest_for_a_new_machine within $DEADLINE opted_out C 1003
stop "${DRIVER[C]}"

# --- The broker restarts: changes made meanwhile arrive after it is back. ---
stop "$NATS_PID"
as A 1000 evtap opt-in >/dev/null
sleep 0.5
start_nats
check reconnect_change_made_while_the_broker_was_down within 150 opted_in B 1002

# --- Forget reaches every copy. ---
drive durable 2>"$W/last"
drive publish "$ALICE" hostA 5 && drive publish "$BOB" hostA 5 && drive publish "$ALICE" hostB 3
printf '[fleet]\nservers = %s\ncredentials = %s\n' "$URL" "$ERASER" >"$W/erase.conf"
"$BUILD/evtap-erase" -c "$W/erase.conf" >"$W/erase.log" 2>&1 &
PIDS+=($!)
as A 1000 evtap forget >/dev/null
forget_status() {
	as A 1000 evtap forget --status --json 2>&1 | tr -d ' \n' >"$W/last"
	grep -q '"purged":true' "$W/last" && [ "$(grep -o '"local-shred"' "$W/last" | wc -l)" = 2 ]
}
check forget_receipts_from_both_and_the_purge_done within 150 forget_status
check forget_shredded_on_B sh -c "[ -z \"\$('$EVTAP' --socket '${SOCK[B]}' export --user 1002)\" ]"
check forget_bob_kept_on_B sh -c "[ -n \"\$('$EVTAP' --socket '${SOCK[B]}' export --user 1001)\" ]"
drive drain >"$W/drain" 2>&1
cp "$W/drain" "$W/last"
check forget_alice_purged_from_the_stream sh -c "! grep -q '^$ALICE ' '$W/drain'"
# The 2.9.10 regression: the durable had not read bob's messages; they still arrive.
check forget_bob_still_delivered_to_the_durable grep -q "^$BOB 5$" "$W/drain"

# --- After the forget, alice goes on working; restarts must not forget her again. ---
drive publish "$ALICE" hostA 2
stop "${PIDS[-1]}" # the eraser
"$BUILD/evtap-erase" -c "$W/erase.conf" >>"$W/erase.log" 2>&1 &
PIDS+=($!)
stop "${DRIVER[B]}"
start_driver B alice=1002 bob=1001
sleep 3
drive drain >"$W/drain" 2>&1
cp "$W/drain" "$W/last"
check forget_a_restarted_eraser_does_not_purge_again grep -q "^$ALICE 2$" "$W/drain"
check forget_a_restarted_shipper_does_not_shred_again \
	test "$(grep -c '"op":"fleet-forget"' "${DATA[B]}/audit.log")" = 1
