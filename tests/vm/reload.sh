#!/bin/sh
# SIGHUP re-reads the configuration file: a level lowered from full to classes takes effect for
# the events after it, no event of a stream injected across it is lost, flags still override
# the file, and a bad file changes nothing.
. tests/vm/lib.sh
CONF=/tmp/evtap.conf
printf '[evtapd]\nlevel = full\nflush-interval = 100ms\n' >$CONF
check check-config sh -c "evtapd --check-config -c $CONF | grep -qx '$CONF: ok'"
start_evtapd -c $CONF --session-source static:1000

inject_start
inject "burst 200"
wait_for 30 '[ "$(count_rows --user 1000)" -ge 400 ]'
# The stream goes on while the file changes and the signal arrives.
inject "burst 300"
printf '[evtapd]\nlevel = classes\nflush-interval = 100ms\nringbuf-kb = 8192\n' >$CONF
kill -HUP "$EVTAPD"
wait_for 30 "grep -q 'reloaded $CONF: level classes' /tmp/evtapd.log"
check reload-logged grep -q "reloaded $CONF: level classes" /tmp/evtapd.log
check restart-needed-logged grep -q "ringbuf-kb changed: needs a restart" /tmp/evtapd.log
inject "burst 100"
inject_end
emitted() { counter kernel.emitted; }
wait_for 30 '[ "$(count_rows --user 1000)" -ge "$(emitted)" ] && [ "$(emitted)" -ge 1200 ]'

export_rows --user 1000 | cut -d, -f3 >/tmp/kinds
check_eq all-records-kept 1200 "$(wc -l </tmp/kinds)"
check_eq emitted-equals-stored "$(emitted)" "$(wc -l </tmp/kinds)"
check before-is-key [ "$(grep -c '^key$' /tmp/kinds)" -ge 400 ]
check after-is-keyclass [ "$(tail -n 200 /tmp/kinds | grep -c '^keyclass$')" = 200 ]
# Once classes, never full again: the kinds switch exactly once.
check_eq one-switch "key keyclass" "$(uniq </tmp/kinds | tr '\n' ' ' | sed 's/ $//')"
check_eq no-lost-ringbuf 0 "$(counter kernel.lost_ringbuf_full)"
check_eq no-collector-drops 0 "$(evtap stats | awk '$1 ~ /^collector.dropped/ { s += $2 } END { print s + 0 }')"
check_eq received-equals-emitted "$(emitted)" "$(counter collector.received)"

# Flags override the file on reload too.
printf '[evtapd]\nlevel = counts\n' >$CONF
stop_evtapd
start_evtapd -c $CONF --session-source static:1000 --level full
printf '[evtapd]\nlevel = off\n' >$CONF
kill -HUP "$EVTAPD"
wait_for 30 "grep -q 'reloaded $CONF: level full' /tmp/evtapd.log"
check flag-overrides-file-on-reload grep -q "reloaded $CONF: level full" /tmp/evtapd.log

# A bad file: the error with its line, and the configuration in force stays.
printf '[evtapd]\nlevel = full\nlevle = off\n' >$CONF
kill -HUP "$EVTAPD"
wait_for 30 "grep -q 'reload: $CONF:3: unknown key' /tmp/evtapd.log"
check bad-file-reported grep -q "reload: $CONF:3: unknown key 'levle': keeping the configuration in force" /tmp/evtapd.log
check still-running kill -0 "$EVTAPD"
check bad-file-check-config-exit-2 sh -c "evtapd --check-config -c $CONF 2>/dev/null; [ \$? = 2 ]"
stop_evtapd
finish
