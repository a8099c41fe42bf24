#!/bin/bash
# What ships beside the binaries: `make install` into a staging root, the systemd unit (through
# systemd-analyze verify, on the staged tree), the man pages (man --warnings), and the sample
# configuration (every key of `evtapd --help` is in it, and with every key uncommented it
# passes --check-config).
set -u
cd "$(dirname "$0")/../.." || exit 1
B=${BUILD:-build}
failed=0
pass() { echo "PASS $1"; }
fail() {
	echo "FAIL $1: $2"
	failed=1
}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
if make -s install DESTDIR="$stage" PREFIX=/usr >"$stage.log" 2>&1; then
	missing=
	for f in usr/sbin/evtapd usr/bin/evtap usr/bin/evtap-fleet usr/sbin/evtap-shipd \
		usr/sbin/evtap-custodian usr/sbin/evtap-erase usr/bin/evtap-pull \
		lib/systemd/system/evtapd.service lib/systemd/system/evtap-shipd.service \
		lib/systemd/system/evtap-custodian.service lib/systemd/system/evtap-erase.service \
		usr/lib/sysusers.d/evtap-ship.conf usr/lib/sysusers.d/evtap-custodian.conf \
		usr/lib/sysusers.d/evtap-erase.conf etc/evtap/evtap.conf \
		usr/share/man/man8/evtapd.8 usr/share/man/man8/evtap-shipd.8 \
		usr/share/man/man8/evtap-custodian.8 usr/share/man/man8/evtap-erase.8 \
		usr/share/man/man1/evtap.1 usr/share/man/man1/evtap-fleet.1 \
		usr/share/man/man1/evtap-pull.1 usr/share/man/man5/evtap.conf.5; do
		[ -s "$stage/$f" ] || missing="$missing $f"
	done
	if [ -z "$missing" ]; then pass make-install; else fail make-install "missing:$missing"; fi
else
	fail make-install "$(tail -5 "$stage.log")"
fi
rm -f "$stage.log"

if command -v systemd-analyze >/dev/null; then
	# The staged binaries stand for /usr/sbin/*: verify checks that ExecStart exists.
	mkdir -p "$stage/verify"
	for unit in evtapd evtap-shipd evtap-custodian evtap-erase; do
		sed "s|^ExecStart=/usr/sbin/|ExecStart=$stage/usr/sbin/|" \
			"$stage/lib/systemd/system/$unit.service" >"$stage/verify/$unit.service"
		out=$(systemd-analyze verify --man=no "$stage/verify/$unit.service" 2>&1)
		if [ $? = 0 ] && [ -z "$out" ]; then
			pass "unit-verify-$unit"
		else
			fail "unit-verify-$unit" "$out"
		fi
	done
else
	echo "unit-verify: skipped, no systemd-analyze"
fi
hardening=
for key in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
	StateDirectory=evtap UMask=0077 Type=notify Restart=on-failure \
	'ExecReload=/bin/kill -HUP $MAINPID' RuntimeDirectoryMode=0755 User=evtap \
	ProtectKernelTunables=yes ProtectKernelLogs=yes ProtectClock=yes ProtectProc=invisible \
	PrivateDevices=yes RestrictNamespaces=yes SystemCallFilter= LimitCORE=0 TasksMax= \
	MemoryMax= LimitNOFILE=; do
	grep -qF "$key" systemd/evtapd.service || hardening="$hardening $key"
done
if [ -z "$hardening" ]; then pass unit-hardening; else fail unit-hardening "no$hardening"; fi

# systemd's own score of the sandbox (0 is best, 10 worst): at most 2.0, the issue's bound.
if command -v systemd-analyze >/dev/null; then
	for unit in evtapd evtap-shipd evtap-custodian evtap-erase; do
		out=$(systemd-analyze security --offline=true --no-pager systemd/$unit.service 2>&1)
		score=$(sed -n "s/.*Overall exposure level for $unit.service: \([0-9.]*\).*/\1/p" \
			<<<"$out")
		if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
			pass "unit-exposure-$unit-at-most-2.0 ($score)"
		else
			fail "unit-exposure-$unit-at-most-2.0" "${score:-$(tail -3 <<<"$out")}"
		fi
	done
else
	echo "unit-exposure: skipped, no systemd-analyze"
fi

for page in docs/*.[158]; do
	out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
	if [ -z "$out" ]; then pass "man-$(basename "$page")"; else fail "man-$(basename "$page")" "$out"; fi
done

keys=$($B/evtapd --help | sed -n 's/^  --\([a-z-]*\).*/\1/p' |
	grep -vx 'config\|check-config\|probe\|help')
missing=
for k in $keys; do
	grep -q "^#$k = " docs/evtap.conf || missing="$missing $k"
	grep -q "^\.B $(sed 's/-/\\\\-/g' <<<"$k")\$" docs/evtap.conf.5 || missing="$missing $k(5)"
done
if [ -z "$missing" ]; then pass sample-config-every-key; else fail sample-config-every-key "$missing"; fi
sed 's/^#\([a-z]\)/\1/' docs/evtap.conf >"$stage/all.conf"
out=$($B/evtapd --check-config -c "$stage/all.conf" 2>&1)
if [ "$out" = "$stage/all.conf: ok" ]; then pass sample-config-valid; else fail sample-config-valid "$out"; fi
exit $failed
