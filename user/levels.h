/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef EVTAP_LEVELS_H
#define EVTAP_LEVELS_H

/* "off", "counts", "classes", "full". */
const char *evtap_level_name(int level);
/* The enum evtap_level for a name, or -1. */
int evtap_level_parse(const char *name);

#endif /* EVTAP_LEVELS_H */
