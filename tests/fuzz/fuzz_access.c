// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: the access log's parsers, which read what the broker delivers (the
 * custodian's records) and what the shipper's mirror holds. A record that parses is written as
 * a mirror line (with a stream sequence and a uid, as the shipper adds them), which must parse
 * again to the same line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "access.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct access_entry e, again;
	char err[256], line[8192], line2[8192];
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	access_line_parse(text, &again, err, sizeof(err));
	if (!access_record_parse((const char *)data, size, &e, err, sizeof(err))) {
		e.seq = 1;
		e.uid = 1000;
		if (access_line_format(&e, line, sizeof(line)) <= 0)
			abort();
		if (access_line_parse(line, &again, err, sizeof(err)) ||
		    access_line_format(&again, line2, sizeof(line2)) <= 0 || strcmp(line, line2))
			abort();
	}
	free(text);
	return 0;
}
