/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `evtap access-log`: the fleet's releases and refusals of one person's data, as evtap-shipd
 * mirrors this host's audit feed into STATE_DIR/access-log.jsonl (access.h, docs/FLEET.md,
 * "The access log"). evtapd has no network: it reads the file, and shows each caller only
 * the entries of their own uid.
 */
#ifndef EVTAP_ACCESSLOG_H
#define EVTAP_ACCESSLOG_H

#include <stdint.h>
#include <stdio.h>

/*
 * Writes uid's entries to out, oldest first, one JSON object a line (access_entry_view), then
 * the trailer {"trailer":{"entries":N,"complete":true}} (with "why" when there is no file
 * yet), or "complete":false and "error" when the file cannot be read whole. A last line
 * without its newline (being written) is left out. Returns 0, or a negative errno.
 */
int accesslog_stream(FILE *out, const char *state_dir, uint32_t uid);

#endif /* EVTAP_ACCESSLOG_H */
