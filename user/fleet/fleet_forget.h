/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The evtap-forget bucket's value, {"requested":NS,"origin":HOST} (docs/FLEET.md, "Forget"):
 * read here once for every role that acts on a forget (custodian, pipeline, eraser).
 */
#ifndef EVTAP_FLEET_FORGET_H
#define EVTAP_FLEET_FORGET_H

#include <stdint.h>

/* When the forget was asked (ns since the epoch), or 0 for a value without that field. */
int64_t fleet_forget_requested(const char *value);

#endif /* EVTAP_FLEET_FORGET_H */
