// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "evtap.h"
#include "names.h"
#include "request.h"

static const char *const op_names[REQ_OP_MAX] = {
	[REQ_STATUS] = "status",
	[REQ_STATS] = "stats",
	[REQ_DEVICES] = "devices",
	[REQ_EXPORT] = "export",
	[REQ_OPT_OUT] = "opt-out",
	[REQ_OPT_IN] = "opt-in",
	[REQ_LEVEL] = "level",
	[REQ_PAUSE] = "pause",
	[REQ_FORGET] = "forget",
	[REQ_AUDIT] = "audit",
	[REQ_FORGET_STATUS] = "forget-status",
	[REQ_FLEET_CONSENT] = "fleet-consent",
	[REQ_FLEET_FORGET] = "fleet-forget",
	[REQ_FLEET_POLICY] = "fleet-policy",
	[REQ_FLEET_HEALTH] = "fleet-health",
	[REQ_ACCESS_LOG] = "access-log",
};

const char *request_op_name(enum request_op op)
{
	return op >= 0 && op < REQ_OP_MAX ? op_names[op] : "unknown";
}

int request_op_parse(const char *name)
{
	for (int i = 0; i < REQ_OP_MAX; i++)
		if (!strcmp(name, op_names[i]))
			return i;
	return -1;
}

/* Field checks fill err and return -EINVAL; an absent optional field is fine. */
static int get_int(json_object *obj, const char *key, int64_t min, int64_t max, int64_t *out,
		   char *err, size_t errlen)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return 1;
	if (!json_object_is_type(v, json_type_int)) {
		snprintf(err, errlen, "field \"%s\": expected an integer", key);
		return -EINVAL;
	}
	errno = 0;
	*out = json_object_get_int64(v);
	if (errno || *out < min || *out > max) {
		snprintf(err, errlen, "field \"%s\": expected an integer from %lld to %lld", key,
			 (long long)min, (long long)max);
		return -EINVAL;
	}
	return 0;
}

static int get_string(json_object *obj, const char *key, const char **out, char *err, size_t errlen)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return 1;
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "field \"%s\": expected a string", key);
		return -EINVAL;
	}
	*out = json_object_get_string(v);
	return 0;
}

static int parse_op(json_object *obj, struct request *req, char *err, size_t errlen)
{
	const char *op;
	int ret = get_string(obj, "op", &op, err, errlen);

	if (ret > 0)
		snprintf(err, errlen, "field \"op\" is missing");
	if (ret)
		return -EINVAL;
	ret = request_op_parse(op);
	if (ret >= 0) {
		req->op = (enum request_op)ret;
		return 0;
	}
	snprintf(err, errlen,
		 "field \"op\": unknown operation (expected status, stats, devices, "
		 "export, opt-out, opt-in, level, pause, forget, audit, forget-status, "
		 "fleet-consent, fleet-forget, fleet-policy, fleet-health or access-log)");
	return -EINVAL;
}

static int parse_export(json_object *obj, struct request *req, char *err, size_t errlen)
{
	const char *format = "jsonl";
	json_object *all;
	int ret;

	if (get_int(obj, "since_ns", INT64_MIN, INT64_MAX, &req->since_ns, err, errlen) < 0 ||
	    get_int(obj, "until_ns", INT64_MIN, INT64_MAX, &req->until_ns, err, errlen) < 0)
		return -EINVAL;
	ret = get_string(obj, "format", &format, err, errlen);
	if (ret < 0)
		return ret;
	if (!strcmp(format, "csv"))
		req->format = EXPORT_CSV;
	else if (strcmp(format, "jsonl")) {
		snprintf(err, errlen, "field \"format\": expected \"jsonl\" or \"csv\"");
		return -EINVAL;
	}
	if (json_object_object_get_ex(obj, "all", &all)) {
		if (!json_object_is_type(all, json_type_boolean)) {
			snprintf(err, errlen, "field \"all\": expected true or false");
			return -EINVAL;
		}
		req->all_users = json_object_get_boolean(all);
	}
	return 0;
}

static int parse_level(json_object *obj, struct request *req, char *err, size_t errlen)
{
	const char *level;
	int ret = get_string(obj, "level", &level, err, errlen);

	if (ret < 0)
		return ret;
	req->level = ret ? -1 : evtap_level_parse(level);
	if (req->level >= 0)
		return 0;
	snprintf(err, errlen,
		 "field \"level\": expected \"off\", \"counts\", \"classes\" or \"full\"");
	return -EINVAL;
}

/* A required field: present, or err says it is missing. */
static int need(int ret, const char *key, char *err, size_t errlen)
{
	if (ret > 0)
		snprintf(err, errlen, "field \"%s\" is missing", key);
	return ret ? -EINVAL : 0;
}

/* The whole choice, not a change to it: applied as it is, or not at all (docs/FLEET.md). */
/*
 * An optional string field holding one purpose name (one) or a purposes list (whole) into
 * req->purposes.
 */
static int parse_purposes(json_object *obj, const char *key, int one, struct request *req,
			  char *err, size_t errlen)
{
	const char *s;
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	if (!s || (one ? !purpose_name_ok(s, strlen(s)) : !purposes_list_ok(s))) {
		snprintf(err, errlen, "field \"%s\": expected %s", key,
			 one ? "a purpose's name (a-z, 0-9, '-', at most 32)"
			     : "comma-separated purpose names");
		return -EINVAL;
	}
	snprintf(req->purposes, sizeof(req->purposes), "%s", s);
	return 0;
}

static int parse_fleet_consent(json_object *obj, struct request *req, char *err, size_t errlen)
{
	json_object *v;

	if (need(!req->has_uid, "uid", err, errlen))
		return -EINVAL;
	if (!json_object_object_get_ex(obj, "opted_out", &v) ||
	    !json_object_is_type(v, json_type_boolean)) {
		snprintf(err, errlen, "field \"opted_out\": expected true or false");
		return -EINVAL;
	}
	req->opted_out = json_object_get_boolean(v);
	if (parse_level(obj, req, err, errlen) ||
	    parse_purposes(obj, "excluded_purposes", 0, req, err, errlen) ||
	    get_int(obj, "paused_until", 0, INT64_MAX, &req->paused_until_ns, err, errlen) < 0)
		return -EINVAL;
	return need(get_int(obj, "changed", 1, INT64_MAX, &req->changed_ns, err, errlen), "changed",
		    err, errlen);
}

/*
 * The whole policy: a bad key is left out and said in policy_why, the rest taken, so that one
 * bad value in the bucket does not keep the others from applying.
 */
static int parse_fleet_policy(json_object *obj, struct request *req, char *err, size_t errlen)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, "settings", &v) ||
	    policy_from_json(v, &req->policy, req->policy_why) < 0) {
		snprintf(err, errlen,
			 "field \"settings\": expected an object of the policy's keys");
		return -EINVAL;
	}
	return 0;
}

static int parse_args(json_object *obj, struct request *req, char *err, size_t errlen)
{
	int64_t v;
	int ret = get_int(obj, "uid", 0, EVTAP_UID_NONE - 1, &v, err, errlen);

	if (ret < 0)
		return ret;
	req->has_uid = !ret;
	req->uid = req->has_uid ? (uint32_t)v : 0;
	switch (req->op) {
	case REQ_EXPORT:
		return parse_export(obj, req, err, errlen);
	case REQ_LEVEL:
		return parse_level(obj, req, err, errlen);
	case REQ_FLEET_CONSENT:
		return parse_fleet_consent(obj, req, err, errlen);
	case REQ_FLEET_FORGET:
		return need(!req->has_uid, "uid", err, errlen);
	case REQ_FLEET_POLICY:
		return parse_fleet_policy(obj, req, err, errlen);
	case REQ_PAUSE:
		return need(
			get_int(obj, "seconds", 1, 366LL * 24 * 3600, &req->pause_s, err, errlen),
			"seconds", err, errlen);
	case REQ_OPT_OUT:
	case REQ_OPT_IN:
		return parse_purposes(obj, "purpose", 1, req, err, errlen);
	case REQ_STATUS: /* no arguments beyond "uid" */
	case REQ_STATS:
	case REQ_DEVICES:
	case REQ_FORGET:
	case REQ_AUDIT:
	case REQ_FORGET_STATUS:
	case REQ_FLEET_HEALTH:
	case REQ_ACCESS_LOG:
	case REQ_OP_MAX:
		return 0;
	}
	return 0;
}

int request_parse(const char *buf, size_t len, struct request *req, char *err, size_t errlen)
{
	json_tokener *tok;
	json_object *obj;
	int ret;

	memset(req, 0, sizeof(*req));
	req->since_ns = INT64_MIN;
	req->until_ns = INT64_MAX;
	if (len > REQUEST_MAX_BYTES) {
		snprintf(err, errlen, "request longer than %d bytes", REQUEST_MAX_BYTES);
		return -EINVAL;
	}
	tok = json_tokener_new_ex(4);
	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)len) {
		snprintf(err, errlen, "malformed request: expected one JSON object");
		ret = -EINVAL;
	} else if (!json_object_is_type(obj, json_type_object)) {
		snprintf(err, errlen, "malformed request: expected a JSON object");
		ret = -EINVAL;
	} else {
		ret = parse_op(obj, req, err, errlen);
		if (!ret)
			ret = parse_args(obj, req, err, errlen);
	}
	json_object_put(obj);
	json_tokener_free(tok);
	return ret;
}
