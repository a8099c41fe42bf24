/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* evtapd --probe: what the running kernel offers, and what evtapd would use of it. */
#ifndef EVTAP_PROBE_H
#define EVTAP_PROBE_H

#include <stdbool.h>

/*
 * Prints one line per facility to stdout, and what --buffer and --attach (enum kpath_buffer,
 * enum kpath_attach) resolve to; returns 0 (the exit status) whatever is missing.
 */
int probe_run(int buffer, int attach, bool verbose);

#endif /* EVTAP_PROBE_H */
