// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The shipping part of `evtap status`: root sees all, a person the host and their own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "shipping.h"

static char dir[] = "/tmp/evtap-shipping-XXXXXX";
static char path[64];

static const char *field(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_to_json_string(v) : "";
}

static void test_views(void)
{
	FILE *f = fopen(path, "w");
	json_object *all, *mine;

	fputs("{\"state\":\"running\",\"backlog_bytes\":7,\"publish_errors\":{\"timeout\":1},"
	      "\"users\":{\"1000\":{\"shipped_blocks\":3},\"1001\":{\"shipped_blocks\":4}}}",
	      f);
	fclose(f);
	all = shipping_status(dir, 0, true);
	CHECK(strstr(field(all, "users"), "1001"), "root sees every user");
	mine = shipping_status(dir, 1000, false);
	CHECK(!strcmp(field(mine, "backlog_bytes"), "7"));
	CHECK(strstr(field(mine, "publish_errors"), "timeout"));
	CHECK(!strcmp(field(mine, "you"), "{ \"shipped_blocks\": 3 }"), "%s", field(mine, "you"));
	CHECK(!strcmp(field(mine, "users"), ""), "a person sees no other user");
	json_object_put(all);
	json_object_put(mine);
	mine = shipping_status(dir, 1002, false);
	CHECK(!strcmp(field(mine, "you"), "null"), "%s", field(mine, "you"));
	json_object_put(mine);
}

static void test_missing(void)
{
	json_object *o;

	unlink(path);
	o = shipping_status(dir, 1000, false);
	CHECK(!strcmp(field(o, "state"), "\"unknown\""), "%s", field(o, "state"));
	CHECK(strstr(field(o, "why"), "has not run"), "%s", field(o, "why"));
	json_object_put(o);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/status.json", dir);
	RUN(test_views);
	RUN(test_missing);
	rmdir(dir);
	CHECK_EXIT();
}
