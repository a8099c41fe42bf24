#!/bin/bash
# Bad input on the command line and a kernel without what evtapd needs: each gets a clear
# error and the documented exit status. Runs on the host, whose kernel cannot attach fentry.
set -u
cd "$(dirname "$0")/../.." || exit 1
B=${BUILD:-build}
failed=0

# expect NAME STATUS PATTERN CMD...: CMD exits with STATUS and its stderr contains PATTERN.
expect() {
	local name=$1 status=$2 pattern=$3 out rc
	shift 3
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc = "$status" ] && grep -qF -- "$pattern" <<<"$out"; then
		echo "PASS $name"
	else
		echo "FAIL $name: exit $rc, stderr: $out"
		failed=1
	fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
expect evtapd-unknown-flag 2 "unknown option '--frobnicate'" $B/evtapd --frobnicate
expect evtapd-bad-session-source 2 "--session-source: bad value 'nobody'" \
	$B/evtapd --session-source nobody
expect evtapd-bad-level 2 "--level: bad value 'max'" $B/evtapd --level max
expect evtapd-missing-argument 2 "--data-dir: expected an argument" $B/evtapd --data-dir
expect evtapd-kernel-refuses 2 "cannot load the BPF programs" \
	$B/evtapd --user root --data-dir "$tmp/data" --socket "$tmp/sock" --session-source static:0 \
	--attach fentry
# Auto falls back from the refused fentry to kprobes, which this host cannot attach either.
expect evtapd-kernel-fallback-logged 2 "attach kprobe (auto: fentry failed" \
	$B/evtapd --user root --data-dir "$tmp/data" --socket "$tmp/sock" --session-source static:0
# A running instance holds the lock beside its socket: a second one exits 2 naming it, before
# it loads anything (so whatever this kernel offers).
mkdir -p "$tmp/run" && echo 4242 >"$tmp/run/evtapd.pid"
flock "$tmp/run/evtapd.pid" sleep 10 &
holder=$!
sleep 0.2
expect evtapd-second-instance 2 "another evtapd is running (pid 4242, holding $tmp/run/evtapd.pid)" \
	$B/evtapd --user root --data-dir "$tmp/data" --socket "$tmp/run/sock" \
	--session-source static:0
kill "$holder"
expect evtapd-bad-buffer 2 "--buffer: bad value 'pipe'" $B/evtapd --buffer pipe
expect evtapd-bad-attach 2 "--attach: bad value 'uprobe'" $B/evtapd --attach uprobe
expect evtap-unknown-command 2 "unknown command 'fly'" $B/evtap fly
expect evtap-bad-level-arg 2 "level: expected an argument" $B/evtap level
expect evtap-bad-pause 2 "pause: bad duration 'soon'" $B/evtap pause soon
expect evtap-bad-time 2 "bad time 'yesterday'" $B/evtap export --since yesterday
expect evtap-unknown-user 2 "--user: no such user 'nosuchuser'" $B/evtap status --user nosuchuser
expect evtap-no-daemon 3 "cannot reach evtapd at $tmp/none" $B/evtap --socket "$tmp/none" status

# The configuration file: errors name the file and the line; --check-config says ok.
printf '[evtapd]\nlevel = full\nlevle = off\n' >"$tmp/bad.conf"
expect evtapd-config-unknown-key 2 "$tmp/bad.conf:3: unknown key 'levle'" \
	$B/evtapd --check-config -c "$tmp/bad.conf"
printf '[evtapd]\nlevel = max\n' >"$tmp/bad.conf"
expect evtapd-config-bad-value 2 "$tmp/bad.conf:2: bad value 'max' for level: expected" \
	$B/evtapd -c "$tmp/bad.conf"
expect evtapd-config-missing 2 "$tmp/none.conf: cannot read" $B/evtapd -c "$tmp/none.conf"
printf '[evtapd]\nlevel = full\n' >"$tmp/ok.conf"
if [ "$($B/evtapd --check-config -c "$tmp/ok.conf")" = "$tmp/ok.conf: ok" ]; then
	echo "PASS evtapd-check-config-ok"
else
	echo "FAIL evtapd-check-config-ok"
	failed=1
fi
# --probe runs on this locked-down kernel too, says what is missing, and exits 0.
out=$($B/evtapd --probe 2>&1)
if [ $? = 0 ] && grep -q "^ring buffer: " <<<"$out" && grep -q "input_event" <<<"$out" &&
	grep -q "^fentry: " <<<"$out" && grep -q "^evtapd would use: " <<<"$out"; then
	echo "PASS evtapd-probe"
else
	echo "FAIL evtapd-probe: $out"
	failed=1
fi
exit $failed
