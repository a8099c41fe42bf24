/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The audit log: one JSON line per consent change, export, forget and refused request, in a
 * root-only append-only file. It names who asked and for whom, never any event content. Past
 * AUDIT_MAX_BYTES it is renamed to audit.log.1 (replacing the previous one) and started anew.
 */
#ifndef EVTAP_AUDIT_H
#define EVTAP_AUDIT_H

#include <stdint.h>

struct audit_entry {
	uint32_t caller_uid;
	int32_t caller_pid;
	const char *op;
	int64_t target_uid;    /* -1: none, or all users */
	const char *old_value; /* NULL when not a change */
	const char *new_value;
	const char *result; /* "ok", or why it was refused or failed */
};

#define AUDIT_MAX_BYTES (16 << 20)

int audit_open(const char *path);
int audit_log(const struct audit_entry *e);
/*
 * A refused or malformed request: logged as audit_log does, a burst of 64 and then 10 a
 * second; past that only counted, and the count logged as a "refusals-not-logged" line before
 * the next one logged.
 */
int audit_log_refusal(const struct audit_entry *e);
void audit_close(void);

#endif /* EVTAP_AUDIT_H */
