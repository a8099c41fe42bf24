/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Names of capture levels, record kinds, key classes, device classes and kernel counters, as
 * export and the stats print them: they are part of those formats, so they never change. Out of
 * range: "unknown".
 */
#ifndef EVTAP_NAMES_H
#define EVTAP_NAMES_H

const char *evtap_level_name(int level);    /* enum evtap_level: "off", ... "full" */
int evtap_level_parse(const char *name);    /* the enum evtap_level of a name, or -1 */
const char *evtap_kind_name(int kind);	    /* enum evtap_kind: "key", "button", ... */
const char *evtap_class_name(int cls);	    /* enum evtap_key_class: "letter", ... */
const char *evtap_device_class_name(int c); /* enum evtap_device_class: "keyboard", ... */
const char *evtap_stat_name(int stat);	    /* enum evtap_stat: "seen", "gate_locked", ... */
const char *evtap_dhook_name(int hook);	    /* enum evtap_dhook: the kernel function hooked */

#endif /* EVTAP_NAMES_H */
