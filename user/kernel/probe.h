/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* evtapd --probe: what the running kernel offers, and what evtapd would use of it. */
#ifndef EVTAP_PROBE_H
#define EVTAP_PROBE_H

#include "options.h"

/* Prints one line per facility to stdout; returns 0 (the exit status) whatever is missing. */
int probe_run(const struct daemon_config *cfg);

#endif /* EVTAP_PROBE_H */
