#!/bin/sh
# The Debian package under a real systemd (run by tests/vm/package.host in vmtest/systemd-vm,
# from /evtap-test with the .deb and evtap-inject next to it; /bin/sh is dash here, not
# busybox): dpkg -i installs and starts the unit, it reports ready (Type=notify), captures,
# reloads on `systemctl reload` without a restart, and drains on `systemctl stop`.
FAILED=0
pass() { echo "PASS $1"; }
fail() {
	echo "FAIL $1: $2"
	FAILED=1
}
check() {
	name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name" "$*"; fi
}
check_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected '$2', got '$3'"; fi
}
wait_for() {
	deadline=$(($(date +%s) + $1))
	shift
	until eval "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}
journal() { journalctl -u evtapd -o cat --no-pager 2>/dev/null; }
mainpid() { systemctl show -p MainPID --value evtapd; }
state() { systemctl show -p ActiveState,SubState --value evtapd | paste -sd/; }
keys() { evtap export --user 0 --format csv | grep -c ',KEY_A,'; }
conf=/etc/evtap/evtap.conf

# 1. Install: dependencies are in the image; the postinst enables and starts the unit, and
# `systemctl start` (deb-systemd-invoke) returns once evtapd sent READY=1.
deb=$(ls ./evtap_*.deb)
if dpkg -i "$deb" >/tmp/dpkg.log 2>&1; then pass dpkg-install; else
	fail dpkg-install "see below"
	cat /tmp/dpkg.log
fi
check_eq unit-enabled-by-postinst enabled "$(systemctl is-enabled evtapd 2>&1)"
check_eq unit-active-after-install active "$(systemctl is-active evtapd 2>&1)"
check_eq unit-ready active/running "$(state)"
check conffile-registered sh -c "dpkg-query -W -f='\${Conffiles}' evtap | grep -q $conf"
check evtapd-capturing-logged sh -c "journalctl -u evtapd -o cat --no-pager | grep -q '^capturing: level'"

# 2. Configure for the test: the VM has no login session, so attribute input to root; record
# key names. A restart, as session-source needs one.
printf 'session-source = static:0\nlevel = full\n' >>"$conf"
check check-config evtapd --check-config
systemctl restart evtapd
check_eq restart-ready active/running "$(state)"
check status-answers sh -c "evtap status >/dev/null"

# 3. Capture through uinput: the injector reads commands from a fifo held open on fd 3.
rm -f /tmp/inject.fifo
mkfifo /tmp/inject.fifo
./evtap-inject </tmp/inject.fifo &
injector=$!
exec 3>/tmp/inject.fifo
wait_for 30 "evtap devices | grep -q 'evtap test keyboard'"
echo "burst 10" >&3
if wait_for 30 '[ "$(keys)" -ge 20 ]'; then pass capture-via-uinput; else
	fail capture-via-uinput "$(keys) KEY_A rows, expected 20"
fi
exec 3>&-
wait "$injector"

# 4. Reload: SIGHUP through ExecReload; the same process, still active, and a changed key
# applied at once (level full -> classes -> full).
pid=$(mainpid)
before=$(journal | grep -c "^reloaded $conf: ")
sed -i 's/^level = full$/level = classes/' "$conf"
check systemctl-reload systemctl reload evtapd
if wait_for 30 "journal | grep -q '^reloaded $conf: level classes'"; then pass reload-logged; else
	fail reload-logged "no 'reloaded $conf: level classes' line"
fi
check_eq reload-same-pid "$pid" "$(mainpid)"
wait_for 30 '[ "$(state)" = active/running ]'
check_eq reload-still-active active/running "$(state)"
sed -i 's/^level = classes$/level = full/' "$conf"
systemctl reload evtapd
wait_for 30 "journal | grep -q '^reloaded $conf: level full'"
check_eq reload-twice-count $((before + 2)) "$(journal | grep -c "^reloaded $conf: ")"
check_eq no-restart 0 "$(systemctl show -p NRestarts --value evtapd)"

# 5. Drain: events injected right before `systemctl stop` are persisted. The injector's
# writes ran the kernel program synchronously, so every record is in the ring buffer when
# SIGTERM arrives; evtapd reads it to the end and fsyncs before it exits.
echo "burst 200" | ./evtap-inject
check systemctl-stop systemctl stop evtapd
check_eq stopped-inactive inactive "$(systemctl is-active evtapd 2>&1)"
stopped=$(journal | grep '^stopped: ' | tail -n 1)
check_eq stop-logged-persisted "stopped: 420 records persisted" "$stopped"
systemctl start evtapd
check_eq start-again active/running "$(state)"
check_eq drained-all-records 420 "$(keys)"

# Informative: what systemd thinks of the sandbox.
echo "--- systemd-analyze security evtapd"
systemd-analyze security --no-pager evtapd 2>&1 | tail -n 1

# 6. Purge: prerm stops the unit, postrm forgets it.
dpkg --purge evtap >/tmp/dpkg.log 2>&1 || { echo "--- dpkg --purge"; cat /tmp/dpkg.log; }
check_eq purge-stops-unit inactive "$(systemctl is-active evtapd 2>&1)"
check purge-removes-files sh -c "[ ! -e /usr/sbin/evtapd ] && [ ! -e $conf ]"

if [ "$FAILED" != 0 ]; then
	echo "--- journalctl -u evtapd"
	journalctl -u evtapd -o short-monotonic --no-pager | tail -n 40
fi
exit "$FAILED"
