/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The access log (docs/FLEET.md, "The access log"): every release and refusal of a person's
 * data by the fleet's custodian. Three forms of one entry:
 *
 * - the custodian's audit record, as the host's feed delivers it:
 *     {"time":NS,"pipeline":P,"purpose":U,"host":H,"segments":[N,...],"released":true,
 *      "level":L}, or {...,"released":false,"why":W}
 * - the shipper's mirror, one line per record in STATE_DIR/access-log.jsonl (for evtapd):
 *     {"seq":S,"uid":U, and the record's fields}; seq is the record's EVTAP_AUDIT sequence,
 *     which a record delivered again keeps, so that it is stored once
 * - what the person is shown (evtap access-log): the record's fields, "time" in RFC 3339.
 *
 * None names a key or any content: what was released is a key for a person's blocks of one
 * host, named by the segment of the block that asked.
 */
#ifndef EVTAP_ACCESS_H
#define EVTAP_ACCESS_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "purposes.h"

#define ACCESS_FILE	    "access-log.jsonl"
#define ACCESS_TOKEN_MAX    64 /* a pipeline (its NATS user) or a host pseudonym */
#define ACCESS_WHY_MAX	    64
#define ACCESS_MAX_SEGMENTS 64 /* as many as a release request names */
#define ACCESS_LINE_MAX	    2048

struct access_entry {
	uint64_t seq;
	uint32_t uid;
	int64_t time_ns;
	char pipeline[ACCESS_TOKEN_MAX + 1];
	char purpose[PURPOSE_NAME_MAX + 1]; /* "" when the request named none */
	char host[ACCESS_TOKEN_MAX + 1];    /* "" when the request's was not a token */
	uint64_t segments[ACCESS_MAX_SEGMENTS];
	int nsegments;
	int released;
	int level;		      /* released: enum evtap_level */
	char why[ACCESS_WHY_MAX + 1]; /* refused: why */
};

/*
 * The custodian's record (json, len bytes) into e (seq and uid left 0). Returns 0, or -EINVAL
 * with err naming the field and what was expected.
 */
int access_record_parse(const char *json, size_t len, struct access_entry *e, char *err,
			size_t errlen);

/* A mirror line (without its newline) into e; 0, or -EINVAL as above. */
int access_line_parse(const char *line, struct access_entry *e, char *err, size_t errlen);

/* e as a mirror line, without a newline. Returns its length, or -ENAMETOOLONG. */
int access_line_format(const struct access_entry *e, char *buf, size_t len);

/* e as the person is shown it; the caller puts the object. */
json_object *access_entry_view(const struct access_entry *e);

#endif /* EVTAP_ACCESS_H */
