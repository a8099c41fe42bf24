// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include "evtap.h"
#include "levels.h"

static const char *const level_names[] = {
	[EVTAP_LEVEL_OFF] = "off",
	[EVTAP_LEVEL_COUNTS] = "counts",
	[EVTAP_LEVEL_CLASSES] = "classes",
	[EVTAP_LEVEL_FULL] = "full",
};

const char *evtap_level_name(int level)
{
	if (level < 0 || level > EVTAP_LEVEL_FULL)
		return "unknown";
	return level_names[level];
}

int evtap_level_parse(const char *name)
{
	for (int i = 0; i <= EVTAP_LEVEL_FULL; i++)
		if (!strcmp(name, level_names[i]))
			return i;
	return -1;
}
