#!/bin/sh
# The Debian package under a real systemd (run by tests/vm/package.host in vmtest/systemd-vm,
# from /evtap-test with the .deb, evtap-inject and lib.sh next to it; /bin/sh is dash here,
# not busybox): dpkg -i installs and starts the unit, it reports ready (Type=notify), captures,
# reloads on `systemctl reload` without a restart, drains on `systemctl stop`, and with
# session-source = logind follows a real login session on seat0: attribution, lock, logout;
# under udevd, a keyboard that a udev rule puts on seat1 gets to seat1's user, not seat0's.
# after start-up no evtapd process is uid 0; --pin works in the sandbox.

# The checks and wait_for of the busybox VM tests.
. ./lib.sh
journal() { journalctl -u evtapd -o cat --no-pager 2>/dev/null; }
mainpid() { systemctl show -p MainPID --value evtapd; }
state() { systemctl show -p ActiveState,SubState --value evtapd | paste -sd/; }
keys() { evtap export --user 0 --format csv | grep -c ',KEY_A,'; }
conf=/etc/evtap/evtap.conf

# Under udevd a new keyboard is gated (seat "pending") until udevd has processed it and evtapd
# has read its seat from udev's event: the injector runs on a fifo (fd 3), and typing waits
# for the route that evtapd logs.
routes() { journal | grep -c "(evtap test keyboard): $1\$"; }
inject_on() {
	n=$(routes "$1")
	rm -f /tmp/inject.fifo
	mkfifo /tmp/inject.fifo
	./evtap-inject </tmp/inject.fifo &
	injector=$!
	exec 3>/tmp/inject.fifo
	wait_for 30 "[ \"\$(routes $1)\" -gt $n ]"
}
inject_done() {
	exec 3>&-
	wait "$injector"
}
burst_on() {
	inject_on "$1"
	echo "burst $2" >&3
	inject_done
}

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
# The postinst made the system user (sysusers.d); systemd gave it the state directories; after
# start-up no evtapd process is uid 0 or holds a capability.
check evtap-user-made getent passwd evtap
# The fleet's programs come with their users but start only once their operator enables them.
for u in evtap-ship evtap-custodian evtap-erase; do
	check "$u-user-made" getent passwd "$u"
done
for unit in evtap-shipd evtap-custodian evtap-erase; do
	check_eq "$unit-not-enabled" disabled "$(systemctl is-enabled "$unit" 2>&1)"
	check_eq "$unit-not-started" inactive "$(systemctl is-active "$unit" 2>&1)"
done
check_eq data-dir-owner evtap "$(stat -c %U /var/lib/evtap)"
check_eq key-dir-owner evtap "$(stat -c %U /var/lib/evtap-keys)"
check_no_root_evtapd evtapd-not-root
capeff=$(awk '$1 == "CapEff:" { print $2 }' /proc/"$(mainpid)"/status)
check_eq evtapd-no-caps 0000000000000000 "$capeff"

# 2. Configure for the test: the VM has no login session, so attribute input to root; record
# key names. A restart, as session-source needs one.
printf 'session-source = static:0\nlevel = full\n' >>"$conf"
check check-config evtapd --check-config
systemctl restart evtapd
check_eq restart-ready active/running "$(state)"
check_no_root_evtapd restart-not-root
check status-answers sh -c "evtap status >/dev/null"

# 3. Capture through uinput: the injector reads commands from a fifo held open on fd 3.
if inject_on seat0 && evtap devices | grep -q 'evtap test keyboard'; then
	pass uinput-routed-seat0
else fail uinput-routed-seat0 "$(journal | grep 'evtap test keyboard' | tail -n 3)"; fi
echo "burst 10" >&3
if wait_for 30 '[ "$(keys)" -ge 20 ]'; then pass capture-via-uinput; else
	fail capture-via-uinput "$(keys) KEY_A rows, expected 20"
fi
inject_done

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
burst_on seat0 200
check systemctl-stop systemctl stop evtapd
check_eq stopped-inactive inactive "$(systemctl is-active evtapd 2>&1)"
stopped=$(journal | grep '^stopped: ' | tail -n 1)
check_eq stop-logged-persisted "stopped: 420 records persisted" "$stopped"
systemctl start evtapd
check_eq start-again active/running "$(state)"
check_eq drained-all-records 420 "$(keys)"

# 6. The logind session source with a real session: alice logs in on tty1 through an autologin
# getty and pam_systemd (libpam-systemd is in the image), so logind has an active session on
# seat0 (the VM's input devices have no ID_SEAT: seat0). There is no screen locker, so the test
# plays its part: a locker sets the session's LockedHint, which is what evtapd follows.
useradd -m -u 1000 -s /bin/sh alice
mkdir -p /run/systemd/system/getty@tty1.service.d
printf '[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin alice --noclear %%I linux\n' \
	>/run/systemd/system/getty@tty1.service.d/autologin.conf
systemctl daemon-reload
systemctl start getty@tty1
session() { loginctl show-seat seat0 -p ActiveSession --value; }
session_is_alice() {
	s=$(session) && [ -n "$s" ] &&
		[ "$(loginctl show-session "$s" -p Name --value)" = alice ] &&
		[ "$(loginctl show-session "$s" -p Active --value)" = yes ]
}
if wait_for 60 session_is_alice; then pass logind-session-on-seat0; else
	fail logind-session-on-seat0 "no active session of alice on seat0: $(loginctl list-sessions --no-legend 2>&1)"
fi
sid=$(session)
sed -i 's/^session-source = static:0$/session-source = logind/' "$conf"
systemctl restart evtapd
check_eq logind-restart-ready active/running "$(state)"
check_no_root_evtapd logind-not-root
status1000() { evtap status --json --user 1000; }
if wait_for 30 "status1000 | grep -q '\"locked\": *false'" &&
	status1000 | grep -q '"seat": *"seat0"'; then pass logind-alice-active; else
	fail logind-alice-active "$(status1000 2>&1)"
fi
keys1000() { evtap export --user 1000 --format csv | grep -c ',KEY_A,'; }
burst_on seat0 5
if wait_for 30 '[ "$(keys1000)" -ge 10 ]'; then pass logind-attributed-to-alice; else
	fail logind-attributed-to-alice "$(keys1000) KEY_A rows of uid 1000, expected 10"
fi
check_eq logind-root-got-nothing 420 "$(keys)"

# Locked: what a screen locker does on logind's Lock signal.
hint() {
	busctl call org.freedesktop.login1 "/org/freedesktop/login1/session/$(echo "$sid" |
		sed 's/^\([0-9]\)/_3\1/')" org.freedesktop.login1.Session SetLockedHint b "$1"
}
loginctl lock-session "$sid"
hint true
if wait_for 30 "status1000 | grep -q '\"locked\": *true'"; then pass logind-locked-seen; else
	fail logind-locked-seen "$(status1000 2>&1)"
fi
locked0=$(counter kernel.gate_locked)
burst_on seat0 5
if wait_for 30 '[ "$(counter kernel.gate_locked)" -ge $((locked0 + 10)) ]'; then
	pass logind-locked-gated
else fail logind-locked-gated "kernel.gate_locked $locked0 -> $(counter kernel.gate_locked)"; fi
check_eq logind-locked-nothing-new 10 "$(keys1000)"
loginctl unlock-session "$sid"
hint false
if wait_for 30 "status1000 | grep -q '\"locked\": *false'"; then pass logind-unlocked-seen; else
	fail logind-unlocked-seen "$(status1000 2>&1)"
fi
burst_on seat0 5
if wait_for 30 '[ "$(keys1000)" -ge 20 ]'; then pass logind-unlocked-captures; else
	fail logind-unlocked-captures "$(keys1000) KEY_A rows of uid 1000, expected 20"
fi

# Seat routing under udevd: a rule (what `loginctl attach` writes, matched here by name) puts
# the injector's keyboard on seat1, and tags it master-of-seat so that logind makes a seat of
# it; bob has a session there (pam_systemd takes XDG_SEAT and XDG_SESSION_CLASS, as without a
# TTY the class would be "background"; logind makes the first session of a seat without VTs
# its active one). The kernel's uevent comes before udevd has written
# ID_SEAT: the keyboard is pending, gated, until udev's event routes it to seat1.
useradd -m -u 1001 -s /bin/sh bob
rule=/etc/udev/rules.d/72-evtap-test-seat1.rules
printf '%s\n' 'SUBSYSTEM=="input", KERNEL=="input*", ATTR{name}=="evtap test keyboard", TAG+="seat", TAG+="master-of-seat", ENV{ID_SEAT}="seat1"' >"$rule"
udevadm control --reload
pending=$(routes pending)
if inject_on seat1; then pass udev-routed-seat1; else
	fail udev-routed-seat1 "$(journal | grep 'evtap test keyboard' | tail -n 3)"
fi
check udev-pending-first [ "$(routes pending)" -gt "$pending" ]
# 3>&-: the session must not hold the injector's fifo open.
XDG_SEAT=seat1 XDG_SESSION_CLASS=user su bob -c 'exec sleep 600' </dev/null >/dev/null 2>&1 3>&- &
bob_su=$!
bob_on_seat1() {
	s=$(loginctl show-seat seat1 -p ActiveSession --value) && [ -n "$s" ] &&
		[ "$(loginctl show-session "$s" -p Name --value)" = bob ]
}
if wait_for 30 bob_on_seat1; then pass logind-bob-on-seat1; else
	fail logind-bob-on-seat1 "$(loginctl list-sessions --no-legend 2>&1; loginctl list-seats 2>&1)"
fi
status1001() { evtap status --json --user 1001; }
if wait_for 30 "status1001 | grep -q '\"seat\": *\"seat1\"'"; then pass logind-bob-seen; else
	fail logind-bob-seen "$(status1001 2>&1)"
fi
keys1001() { evtap export --user 1001 --format csv | grep -c ',KEY_A,'; }
alice=$(keys1000)
echo "burst 5" >&3
if wait_for 30 '[ "$(keys1001)" -ge 10 ]'; then pass seat1-keys-to-bob; else
	fail seat1-keys-to-bob "$(keys1001) KEY_A rows of uid 1001, expected 10"
fi
check_eq seat1-none-to-alice "$alice" "$(keys1000)"
inject_done
kill "$bob_su"
loginctl terminate-user bob
rm "$rule"
udevadm control --reload

# Logged out: no session on seat0, nothing captured.
systemctl stop getty@tty1
loginctl terminate-user alice
if wait_for 30 "! status1000 | grep -q '\"seat\"'"; then pass logind-logout-seen; else
	fail logind-logout-seen "$(status1000 2>&1)"
fi
none0=$(counter kernel.gate_no_session)
burst_on seat0 5
if wait_for 30 '[ "$(counter kernel.gate_no_session)" -ge $((none0 + 10)) ]'; then
	pass logind-logout-gated
else fail logind-logout-gated "kernel.gate_no_session $none0 -> $(counter kernel.gate_no_session)"; fi
check_eq logind-logout-nothing-new 20 "$(keys1000)"

# Informative: what systemd thinks of the sandbox, and the daemon's peak memory.
echo "--- systemd-analyze security evtapd"
systemd-analyze security --no-pager evtapd 2>&1 | tail -n 1
grep -E '^Vm(HWM|RSS)' /proc/"$(mainpid)"/status | tr -s ' \t' ' ' | paste -sd' ' 

# 7. --pin under the sandbox: the loader runs as evtap there, and /sys/fs/bpf is root's only
# (0700), so the drop-in that OPERATIONS.md gives makes the directory and lets the loader reach
# it; that directory stays writable under ProtectKernelTunables=yes (ReadWritePaths). evtapd
# unpins through the directory's descriptor, with no capability.
mkdir -p /run/systemd/system/evtapd.service.d
cat >/run/systemd/system/evtapd.service.d/pin.conf <<'EOF'
[Service]
ExecStartPre=+/usr/bin/install -d -o evtap -g evtap -m 0700 /sys/fs/bpf/evtap
AmbientCapabilities=CAP_DAC_READ_SEARCH
CapabilityBoundingSet=CAP_DAC_READ_SEARCH
EOF
echo 'pin = yes' >>"$conf"
systemctl daemon-reload
systemctl restart evtapd
check_eq pin-restart-ready active/running "$(state)"
check pin-maps-pinned [ -e /sys/fs/bpf/evtap/consent ]
check pin-links-pinned sh -c "ls /sys/fs/bpf/evtap | grep -q '^link_'"
check_no_root_evtapd pin-not-root
systemctl stop evtapd
check_eq pins-removed-on-stop "" "$(ls /sys/fs/bpf/evtap 2>&1)"

# 8. Purge: prerm stops the unit, postrm forgets it.
dpkg --purge evtap >/tmp/dpkg.log 2>&1 || { echo "--- dpkg --purge"; cat /tmp/dpkg.log; }
check_eq purge-stops-unit inactive "$(systemctl is-active evtapd 2>&1)"
check purge-removes-files sh -c "[ ! -e /usr/sbin/evtapd ] && [ ! -e $conf ]"

if [ "$FAILED" != 0 ]; then
	echo "--- journalctl -u evtapd"
	journalctl -u evtapd -o short-monotonic --no-pager | tail -n 40
fi
exit "$FAILED"
