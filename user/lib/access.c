// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The access log's entries, parsed and written (access.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "access.h"
#include "clock.h"
#include "names.h"

#define TOKEN_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"

static int field_error(char *err, size_t errlen, const char *key, const char *expected)
{
	snprintf(err, errlen, "field \"%s\": expected %s", key, expected);
	return -EINVAL;
}

static json_object *get(json_object *o, const char *key, json_type type)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, type) ? v : NULL;
}

static int get_int(json_object *o, const char *key, int64_t min, int64_t max, int64_t *out,
		   char *err, size_t errlen)
{
	json_object *v = get(o, key, json_type_int);
	char what[80];

	errno = 0;
	*out = v ? json_object_get_int64(v) : 0;
	if (v && !errno && *out >= min && *out <= max)
		return 0;
	snprintf(what, sizeof(what), "an integer from %" PRId64 " to %" PRId64, min, max);
	return field_error(err, errlen, key, what);
}

/* A string of at most max bytes, each in allowed (any printable but '"' and '\\': NULL). */
static int get_text(json_object *o, const char *key, const char *allowed, size_t min, size_t max,
		    char *out, char *err, size_t errlen)
{
	json_object *v = get(o, key, json_type_string);
	const char *s = v ? json_object_get_string(v) : NULL;
	size_t n = s ? strlen(s) : 0;
	int ok = s && n >= min && n <= max;

	for (size_t i = 0; ok && i < n; i++)
		ok = allowed ? strchr(allowed, s[i]) != NULL
			     : s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\';
	if (!ok)
		return field_error(err, errlen, key,
				   allowed ? "letters, digits, '-' or '_'"
					   : "printable text without quotes");
	memcpy(out, s, n + 1);
	return 0;
}

static int get_segments(json_object *o, struct access_entry *e, char *err, size_t errlen)
{
	json_object *a = get(o, "segments", json_type_array);
	size_t n = a ? json_object_array_length(a) : 0;

	if (!a || n > ACCESS_MAX_SEGMENTS)
		return field_error(err, errlen, "segments", "an array of at most 64 integers");
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(a, i);
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
			return field_error(err, errlen, "segments", "segment numbers");
		e->segments[i] = (uint64_t)json_object_get_int64(v);
	}
	e->nsegments = (int)n;
	return 0;
}

static int get_outcome(json_object *o, struct access_entry *e, char *err, size_t errlen)
{
	json_object *released = get(o, "released", json_type_boolean), *level;

	if (!released)
		return field_error(err, errlen, "released", "true or false");
	e->released = json_object_get_boolean(released);
	if (!e->released)
		return get_text(o, "why", NULL, 1, ACCESS_WHY_MAX, e->why, err, errlen);
	level = get(o, "level", json_type_string);
	e->level = level ? evtap_level_parse(json_object_get_string(level)) : -1;
	return e->level < 0 ? field_error(err, errlen, "level", "off, counts, classes or full") : 0;
}

static int parse_fields(json_object *o, struct access_entry *e, char *err, size_t errlen)
{
	int64_t t;

	if (get_int(o, "time", 1, INT64_MAX, &t, err, errlen) ||
	    get_text(o, "pipeline", TOKEN_CHARS, 1, ACCESS_TOKEN_MAX, e->pipeline, err, errlen) ||
	    get_text(o, "purpose", NULL, 0, PURPOSE_NAME_MAX, e->purpose, err, errlen) ||
	    get_text(o, "host", TOKEN_CHARS, 0, ACCESS_TOKEN_MAX, e->host, err, errlen) ||
	    get_segments(o, e, err, errlen) || get_outcome(o, e, err, errlen))
		return -EINVAL;
	if (e->purpose[0] && !purpose_name_ok(e->purpose, strlen(e->purpose)))
		return field_error(err, errlen, "purpose", "a purpose's name");
	e->time_ns = t;
	return 0;
}

/* One JSON object, all of json, into *o. */
static int parse_object(const char *json, size_t len, json_object **o, char *err, size_t errlen)
{
	json_tokener *tok = json_tokener_new_ex(4);

	*o = tok ? json_tokener_parse_ex(tok, json, (int)len) : NULL;
	if (!*o || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)len || !json_object_is_type(*o, json_type_object)) {
		json_object_put(*o);
		*o = NULL;
		snprintf(err, errlen, "not one JSON object");
	}
	json_tokener_free(tok);
	return *o ? 0 : -EINVAL;
}

int access_record_parse(const char *json, size_t len, struct access_entry *e, char *err,
			size_t errlen)
{
	json_object *o;
	int ret;

	memset(e, 0, sizeof(*e));
	if (len > ACCESS_LINE_MAX) {
		snprintf(err, errlen, "longer than %d bytes", ACCESS_LINE_MAX);
		return -EINVAL;
	}
	ret = parse_object(json, len, &o, err, errlen) ?: parse_fields(o, e, err, errlen);
	json_object_put(o);
	return ret;
}

int access_line_parse(const char *line, struct access_entry *e, char *err, size_t errlen)
{
	json_object *o = NULL;
	int64_t seq, uid;
	int ret;

	ret = access_record_parse(line, strlen(line), e, err, errlen) ?:
	      parse_object(line, strlen(line), &o, err, errlen) ?:
	      get_int(o, "seq", 1, INT64_MAX, &seq, err, errlen) ?:
	      get_int(o, "uid", 0, UINT32_MAX - 1, &uid, err, errlen);
	json_object_put(o);
	if (ret)
		return -EINVAL;
	e->seq = (uint64_t)seq;
	e->uid = (uint32_t)uid;
	return 0;
}

int access_line_format(const struct access_entry *e, char *buf, size_t len)
{
	char segs[ACCESS_MAX_SEGMENTS * 21 + 3] = "[";
	size_t s = 1;
	int n;

	for (int i = 0; i < e->nsegments; i++)
		s += (size_t)snprintf(segs + s, sizeof(segs) - s, "%s%" PRIu64, i ? "," : "",
				      e->segments[i]);
	snprintf(segs + s, sizeof(segs) - s, "]");
	/* Every string was checked on the way in: none needs escaping. */
	n = snprintf(buf, len,
		     "{\"seq\":%" PRIu64 ",\"uid\":%" PRIu32 ",\"time\":%" PRId64
		     ",\"pipeline\":\"%s\",\"purpose\":\"%s\",\"host\":\"%s\",\"segments\":%s,"
		     "\"released\":%s,\"%s\":\"%s\"}",
		     e->seq, e->uid, e->time_ns, e->pipeline, e->purpose, e->host, segs,
		     e->released ? "true" : "false", e->released ? "level" : "why",
		     e->released ? evtap_level_name(e->level) : e->why);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : n;
}

json_object *access_entry_view(const struct access_entry *e)
{
	json_object *o = json_object_new_object(), *segs = json_object_new_array();
	char ts[40];

	clock_format_rfc3339(e->time_ns, ts, sizeof(ts));
	json_object_object_add(o, "time", json_object_new_string(ts));
	json_object_object_add(o, "pipeline", json_object_new_string(e->pipeline));
	json_object_object_add(o, "purpose", json_object_new_string(e->purpose));
	json_object_object_add(o, "host", json_object_new_string(e->host));
	for (int i = 0; i < e->nsegments; i++)
		json_object_array_add(segs, json_object_new_int64((int64_t)e->segments[i]));
	json_object_object_add(o, "segments", segs);
	json_object_object_add(o, "released", json_object_new_boolean(e->released));
	if (e->released)
		json_object_object_add(o, "level",
				       json_object_new_string(evtap_level_name(e->level)));
	else
		json_object_object_add(o, "why", json_object_new_string(e->why));
	return o;
}
