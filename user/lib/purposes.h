/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A person's excluded purposes (docs/FLEET.md, "Purposes"), as one comma-separated list of
 * names: how consent.conf, the control socket and the fleet outbox carry it. A name is what
 * the fleet declares in its policy: a-z, 0-9 and '-', at most PURPOSE_NAME_MAX long.
 */
#ifndef EVTAP_PURPOSES_H
#define EVTAP_PURPOSES_H

#include <stddef.h>

#define PURPOSE_NAME_MAX 32
#define PURPOSES_MAX	 16
#define PURPOSES_TEXT	 (PURPOSES_MAX * (PURPOSE_NAME_MAX + 1)) /* with the NUL */

int purpose_name_ok(const char *name, size_t len);
/* Whether list is "" or names joined by commas, at most PURPOSES_MAX, none twice. */
int purposes_list_ok(const char *list);
int purposes_has(const char *list, const char *name);
/* Adds name to list (of PURPOSES_TEXT bytes) unless it is there. Returns 0 or -ENOSPC. */
int purposes_add(char *list, const char *name);
void purposes_remove(char *list, const char *name);

#endif /* EVTAP_PURPOSES_H */
