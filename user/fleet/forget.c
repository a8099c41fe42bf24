// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The evtap-forget bucket's value (fleet_forget.h). */
#include <json-c/json.h>
#include "fleet_forget.h"

int64_t fleet_forget_requested(const char *value)
{
	json_object *o = value ? json_tokener_parse(value) : NULL, *v;
	int64_t t = 0;

	if (o && json_object_object_get_ex(o, "requested", &v))
		t = json_object_get_int64(v);
	json_object_put(o);
	return t;
}
