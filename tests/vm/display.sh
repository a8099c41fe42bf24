#!/bin/sh
# Display activity without pixels (docs/DISPLAY.md), on Debian's kernel with bochs DRM and
# fbcon: text on tty1 and a small DRM client produce display records for seat0's active user;
# an idle screen and an opted-out user produce none; the probe report names the hooks.
. tests/vm/lib.sh

# fbcon's blinking cursor damages the screen five times a second: it would make an idle screen
# look busy.
echo 0 >/sys/class/graphics/fbcon/cursor_blink

start_evtapd --session-source static:1000 --level full
check probe-logged grep -q "display hooks attached: .*drm_atomic_commit" /tmp/evtapd.log
attached=$(evtap stats | grep '^display_hooks.attached ')
echo "$attached"
evtap stats | grep '^display_hooks.missing '
for hook in drm_atomic_commit drm_atomic_nonblocking_commit drm_fb_helper_damage_work \
	drm_mode_dirtyfb_ioctl drm_vblank_event_delivered; do
	case "$attached" in *"\"$hook\""*) pass "hook-attached-$hook" ;;
	*) fail "hook-attached-$hook" "$attached" ;; esac
done
check display-programs-loaded sh -c "bpftool prog show | grep -q evtap_display_fb"

# display_rows [FIELD]: the user's display records, or one field of each.
display_rows() { evtap export --user 1000 | grep '"kind":"display"'; }
field() { sed -n "s/.*\"$1\":\([0-9.e+-]*\).*/\1/p"; }
sum_field() { display_rows | field "$1" | awk '{ s += $1 } END { print s + 0 }'; }
hits() { counter "display_hooks.hits.$1"; }
show_hits() {
	echo "hits after $1: commit $(hits drm_atomic_commit)" \
		"nonblocking_commit $(hits drm_atomic_nonblocking_commit)" \
		"damage_work $(hits drm_fb_helper_damage_work)" \
		"dirtyfb $(hits drm_mode_dirtyfb_ioctl)" \
		"vblank_event_delivered $(hits drm_vblank_event_delivered)"
}

# Text, then a cleared screen: the fbdev emulation's damage worker reports it.
show_hits start
for i in 1 2 3 4 5 6 7 8 9 10; do echo hello >/dev/tty1; done
printf '\033[2J' >/dev/tty1
wait_for 30 '[ "$(display_rows | field damage_fraction | awk "\$1 > 0" | wc -l)" -ge 1 ]'
check text-display-record [ "$(display_rows | wc -l)" -ge 1 ]
check text-damage-events [ "$(sum_field damage_events)" -ge 1 ]
check text-damage-fraction [ "$(display_rows | field damage_fraction | awk '$1 > 0' | wc -l)" -ge 1 ]
check text-fraction-at-most-1 [ "$(display_rows | field damage_fraction | awk '$1 > 1' | wc -l)" = 0 ]
check text-crtc-0 [ "$(display_rows | field crtc | sort -u)" = 0 ]
show_hits text
display_rows | head -n 3

# A DRM client: set-CRTC, page flips and dirtyfb calls.
out=$(evtap-drmclient /dev/dri/card0 3 5 2>&1)
echo "$out"
case "$out" in *"setcrtc ok"*) pass drmclient-ran ;; *) fail drmclient-ran "$out" ;; esac
wait_for 30 '[ "$(sum_field commits)" -ge 1 ] && [ "$(sum_field flips)" -ge 1 ]'
check drm-commits [ "$(sum_field commits)" -ge 1 ]
check drm-flips [ "$(sum_field flips)" -ge 1 ]
show_hits drmclient
check dirtyfb-hooked [ "$(hits drm_mode_dirtyfb_ioctl)" -ge 5 ]
echo "totals: commits $(sum_field commits) flips $(sum_field flips)" \
	"damage_events $(sum_field damage_events) records $(display_rows | wc -l)"

# Idle: once the display map stops changing, nothing more is recorded. The wait is the point
# of the test: three count intervals (1 s each) with nothing on screen.
seen=-1
until [ "$seen" = "$(counter display.seen)" ]; do
	seen=$(counter display.seen)
	sleep 2
done
before=$(display_rows | wc -l)
sleep 3
check_eq idle-no-records "$before" "$(display_rows | wc -l)"
check_eq idle-no-events "$seen" "$(counter display.seen)"

# Every display event counted once, under one outcome.
outcomes=$(evtap stats | awk '$1 ~ /^display\./ && $1 != "display.seen" { s += $2 } END { print s + 0 }')
check_eq display-outcomes-sum "$(counter display.seen)" "$outcomes"

# The user opts out: the kernel gates the display's events, no record is made.
su alice -c 'evtap opt-out' >/dev/null
before=$(display_rows | wc -l)
gated=$(counter display.gate_opted_out)
for i in 1 2 3 4 5; do echo hello >/dev/tty1; done
wait_for 30 '[ "$(counter display.gate_opted_out)" -gt "$gated" ]'
check opted-out-gated [ "$(counter display.gate_opted_out)" -gt "$gated" ]
evtap-drmclient /dev/dri/card0 2 2 >/dev/null 2>&1
sleep 3
check_eq opted-out-no-records "$before" "$(display_rows | wc -l)"
show_hits opt-out

stop_evtapd
finish
