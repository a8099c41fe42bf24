// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Names of the enums that export and the stats print. */
#include <stddef.h>
#include <string.h>
#include "names.h"
#include "record.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const level_names[] = {
	[EVTAP_LEVEL_OFF] = "off",
	[EVTAP_LEVEL_COUNTS] = "counts",
	[EVTAP_LEVEL_CLASSES] = "classes",
	[EVTAP_LEVEL_FULL] = "full",
};

static const char *const kind_names[EVTAP_KIND_MAX] = {
	[EVTAP_KIND_KEY] = "key",	[EVTAP_KIND_BUTTON] = "button",
	[EVTAP_KIND_MOTION] = "motion", [EVTAP_KIND_WHEEL] = "wheel",
	[EVTAP_KIND_ABS] = "abs",	[EVTAP_KIND_KEYCLASS] = "keyclass",
	[EVTAP_KIND_COUNTS] = "counts", [EVTAP_KIND_DISPLAY] = "display",
};

static const char *const class_names[EVTAP_CLASS_MAX] = {
	[EVTAP_CLASS_LETTER] = "letter",
	[EVTAP_CLASS_DIGIT] = "digit",
	[EVTAP_CLASS_PUNCT] = "punct",
	[EVTAP_CLASS_SPACE] = "space",
	[EVTAP_CLASS_ENTER] = "enter",
	[EVTAP_CLASS_DELETE] = "delete",
	[EVTAP_CLASS_TAB] = "tab",
	[EVTAP_CLASS_MODIFIER] = "modifier",
	[EVTAP_CLASS_NAVIGATION] = "navigation",
	[EVTAP_CLASS_FUNCTION] = "function",
	[EVTAP_CLASS_OTHER] = "other",
};

static const char *const device_class_names[] = {
	[EVTAP_DEV_OTHER] = "other",
	[EVTAP_DEV_KEYBOARD] = "keyboard",
	[EVTAP_DEV_MOUSE] = "mouse",
	[EVTAP_DEV_TOUCHPAD] = "touchpad",
};

static const char *const stat_names[EVTAP_STAT_MAX] = {
	[EVTAP_STAT_SEEN] = "seen",
	[EVTAP_STAT_EMITTED] = "emitted",
	[EVTAP_STAT_COALESCED] = "coalesced",
	[EVTAP_STAT_COUNTED] = "counted",
	[EVTAP_STAT_FILTERED] = "filtered",
	[EVTAP_STAT_GATE_NO_SESSION] = "gate_no_session",
	[EVTAP_STAT_GATE_LOCKED] = "gate_locked",
	[EVTAP_STAT_GATE_OPTED_OUT] = "gate_opted_out",
	[EVTAP_STAT_GATE_PAUSED] = "gate_paused",
	[EVTAP_STAT_GATE_LEVEL_OFF] = "gate_level_off",
	[EVTAP_STAT_LOST_RINGBUF_FULL] = "lost_ringbuf_full",
	[EVTAP_STAT_LOST_FRAME_MAP_FULL] = "lost_frame_map_full",
	[EVTAP_STAT_LOST_COUNTS_MAP_FULL] = "lost_counts_map_full",
};

static const char *const dhook_names[EVTAP_DHOOK_MAX] = {
	[EVTAP_DHOOK_ATOMIC_COMMIT] = "drm_atomic_commit",
	[EVTAP_DHOOK_ATOMIC_NONBLOCKING_COMMIT] = "drm_atomic_nonblocking_commit",
	[EVTAP_DHOOK_FB_HELPER_DAMAGE_WORK] = "drm_fb_helper_damage_work",
	[EVTAP_DHOOK_DIRTYFB_IOCTL] = "drm_mode_dirtyfb_ioctl",
	[EVTAP_DHOOK_VBLANK_EVENT_DELIVERED] = "drm_vblank_event_delivered",
};

/* A value added to an enum without a name here reads as "unknown" rather than NULL. */
static const char *lookup(const char *const *names, size_t count, int i)
{
	if (i < 0 || (size_t)i >= count || !names[i])
		return "unknown";
	return names[i];
}

const char *evtap_kind_name(int kind)
{
	return lookup(kind_names, ARRAY_SIZE(kind_names), kind);
}

const char *evtap_class_name(int cls)
{
	return lookup(class_names, ARRAY_SIZE(class_names), cls);
}

const char *evtap_device_class_name(int c)
{
	return lookup(device_class_names, ARRAY_SIZE(device_class_names), c);
}

const char *evtap_stat_name(int stat)
{
	return lookup(stat_names, ARRAY_SIZE(stat_names), stat);
}

const char *evtap_dhook_name(int hook)
{
	return lookup(dhook_names, ARRAY_SIZE(dhook_names), hook);
}

const char *evtap_level_name(int level)
{
	return lookup(level_names, ARRAY_SIZE(level_names), level);
}

int evtap_level_parse(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
		if (!strcmp(name, level_names[i]))
			return (int)i;
	return -1;
}
