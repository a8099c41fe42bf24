/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* evtap's version: debian/changelog's (the fleet-health suite checks that they agree). */
#ifndef EVTAP_VERSION_H
#define EVTAP_VERSION_H

#define EVTAP_VERSION "0.1.0"

#endif /* EVTAP_VERSION_H */
