// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The release request: {"person":P,"host":H,"purpose":U,"level":"full","segments":[N,...],
 * "reply_key":"<base64 X25519 public key>"}. The requester is named by its reply subject: each
 * role may subscribe only to its own inbox, _INBOX_<role>, so an answer reaches no one else.
 */
#include <string.h>
#include <json-c/json.h>
#include "custodian.h"
#include "names.h"

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

static int copy_token(char *dst, size_t len, const char *s)
{
	if (!s || !fleet_token_ok(s) || strlen(s) >= len)
		return -1;
	strcpy(dst, s);
	return 0;
}

/* "_INBOX_pipeline.xyz" -> "pipeline". */
static int pipeline_of(char *dst, const char *reply)
{
	const char *p = reply && !strncmp(reply, "_INBOX_", 7) ? reply + 7 : NULL;
	size_t n = p ? strcspn(p, ".") : 0;

	if (!n || n >= PIPELINE_MAX)
		return -1;
	memcpy(dst, p, n);
	dst[n] = 0;
	return 0;
}

static int segments_of(struct release_req *r, json_object *o)
{
	json_object *a;
	size_t n;

	r->nsegments = 0;
	if (!json_object_object_get_ex(o, "segments", &a))
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return -1;
	n = json_object_array_length(a);
	for (size_t i = 0; i < n && r->nsegments < FLEET_RELEASE_MAX_SEGMENTS; i++)
		r->segments[r->nsegments++] =
			(uint64_t)json_object_get_int64(json_object_array_get_idx(a, i));
	return 0;
}

static int reply_key_of(struct release_req *r, const char *b64)
{
	size_t n;

	return !b64 ||
			       sodium_base642bin(r->reply_key, sizeof(r->reply_key), b64,
						 strlen(b64), NULL, &n, NULL,
						 sodium_base64_VARIANT_ORIGINAL) ||
			       n != sizeof(r->reply_key)
		       ? -1
		       : 0;
}

static const char *fill(struct release_req *r, json_object *o, const char *reply)
{
	const char *level = str_of(o, "level"), *purpose;

	if (pipeline_of(r->pipeline, reply))
		return "no reply inbox";
	if (copy_token(r->person, sizeof(r->person), str_of(o, "person")) ||
	    copy_token(r->host, sizeof(r->host), str_of(o, "host")))
		return "bad person or host";
	purpose = str_of(o, "purpose");
	if (!purpose || !purpose_name_ok(purpose, strlen(purpose)))
		return "no purpose named";
	strcpy(r->purpose, purpose);
	r->level = level ? evtap_level_parse(level) : -1;
	if (r->level < 0)
		return "bad level";
	if (segments_of(r, o))
		return "bad segments";
	if (reply_key_of(r, str_of(o, "reply_key")))
		return "bad reply_key";
	return NULL;
}

const char *request_parse(struct release_req *r, const char *json, int len, const char *reply)
{
	json_tokener *tok = json_tokener_new();
	json_object *o = tok ? json_tokener_parse_ex(tok, json, len) : NULL;
	const char *why;

	memset(r, 0, sizeof(*r));
	why = json_object_is_type(o, json_type_object) ? fill(r, o, reply) : "not a JSON object";
	json_object_put(o);
	json_tokener_free(tok);
	return why;
}
