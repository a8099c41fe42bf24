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
	$B/evtapd --data-dir "$tmp/data" --socket "$tmp/sock" --session-source static:0
expect evtap-unknown-command 2 "unknown command 'fly'" $B/evtap fly
expect evtap-bad-level-arg 2 "level: expected an argument" $B/evtap level
expect evtap-bad-pause 2 "pause: bad duration 'soon'" $B/evtap pause soon
expect evtap-bad-time 2 "bad time 'yesterday'" $B/evtap export --since yesterday
expect evtap-unknown-user 2 "--user: no such user 'nosuchuser'" $B/evtap status --user nosuchuser
expect evtap-no-daemon 3 "cannot reach evtapd at $tmp/none" $B/evtap --socket "$tmp/none" status
exit $failed
