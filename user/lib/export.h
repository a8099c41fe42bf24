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

#endif /* EVTAP_EXPORT_H */
