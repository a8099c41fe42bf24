/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A decoded record and a device identity: what the collector stores and export prints. */
#ifndef EVTAP_RECORD_H
#define EVTAP_RECORD_H

#include <stdint.h>
#include "evtap.h"

enum evtap_device_class {
	EVTAP_DEV_OTHER = 0,
	EVTAP_DEV_KEYBOARD,
	EVTAP_DEV_MOUSE,
	EVTAP_DEV_TOUCHPAD,
};

#define EVTAP_DEVICE_NAME_MAX 128

/* Identity of one input device, from sysfs; index is the N of "inputN". */
struct evtap_device {
	uint32_t index;
	uint16_t bus;
	uint16_t vendor;
	uint16_t product;
	uint8_t class; /* enum evtap_device_class */
	char name[EVTAP_DEVICE_NAME_MAX];
};

struct evtap_counts_rec {
	uint32_t interval_ms;
	uint64_t keys[EVTAP_CLASS_MAX];
	uint64_t clicks;
	uint64_t motion;
	uint64_t scroll;
};

struct evtap_display_rec {
	uint32_t crtc;
	uint32_t interval_ms;
	uint32_t commits;
	uint32_t flips;
	uint32_t damage_events;
	uint32_t damage_ppm; /* damaged fraction of the mode's area, parts per million */
};

struct evtap_record {
	int64_t ts_ns; /* wall clock, ns since the epoch */
	uint32_t uid;
	uint32_t dev; /* device index; 0 for counts and display records */
	uint8_t kind; /* enum evtap_kind */
	uint16_t code;
	int32_t value;
	int32_t value2;
	union {
		struct evtap_counts_rec counts;	  /* kind EVTAP_KIND_COUNTS */
		struct evtap_display_rec display; /* kind EVTAP_KIND_DISPLAY */
	};
};

#endif /* EVTAP_RECORD_H */
