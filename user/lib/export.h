/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Formats records as JSON lines or CSV. The schema: docs/SCHEMA.md. */
#ifndef EVTAP_EXPORT_H
#define EVTAP_EXPORT_H

#include <stdio.h>
#include "record.h"
#include "request.h"

/* Writes the CSV header line; nothing for JSON lines. */
void export_begin(FILE *out, enum export_format format);
/* Writes one record; dev may be NULL when its identity is unknown. Returns 0 or -EIO. */
int export_record(FILE *out, enum export_format format, const struct evtap_record *rec,
		  const struct evtap_device *dev);

/*
 * The body of an export: the CSV header if any, the records of uid (of every user with
 * req->all_users) in req's time range, then the trailer line, which counts the records and the
 * skipped blocks and says whether every segment was read to its end (docs/PROTOCOL.md). Each
 * skipped block is also logged, without content. Returns 0 or the error that ended the walk.
 */
int export_users(FILE *out, const char *data_dir, const char *key_dir, const struct request *req,
		 uint32_t uid);

#endif /* EVTAP_EXPORT_H */
