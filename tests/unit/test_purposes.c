// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The excluded purposes list (purposes.h). */
#include <string.h>
#include "check.h"
#include "purposes.h"

static void test_add_remove(void)
{
	char l[PURPOSES_TEXT] = "";

	CHECK_EQ(purposes_add(l, "ai-training"), 0);
	CHECK_EQ(purposes_add(l, "security"), 0);
	CHECK_EQ(purposes_add(l, "ai-training"), 0); /* once only */
	CHECK(!strcmp(l, "ai-training,security"), "%s", l);
	CHECK(purposes_has(l, "security") && !purposes_has(l, "secur") && !purposes_has(l, "ai"));
	purposes_remove(l, "security");
	CHECK(!strcmp(l, "ai-training"), "%s", l);
	CHECK_EQ(purposes_add(l, "b"), 0);
	purposes_remove(l, "ai-training");
	CHECK(!strcmp(l, "b"), "%s", l);
	purposes_remove(l, "b");
	CHECK(!strcmp(l, ""), "%s", l);
	purposes_remove(l, "none");
}

static void test_list_ok(void)
{
	char many[PURPOSES_TEXT * 2] = "a";

	CHECK(purposes_list_ok("") && purposes_list_ok("a") && purposes_list_ok("a-1,b"));
	CHECK(!purposes_list_ok(",") && !purposes_list_ok("a,,b") && !purposes_list_ok("a,"));
	CHECK(!purposes_list_ok("A") && !purposes_list_ok("a b") && !purposes_list_ok("a,a"));
	CHECK(!purposes_list_ok("\"x\"") && !purposes_list_ok("a.b"));
	for (int i = 0; i < 16; i++)
		strcat(many, ",a");
	CHECK(!purposes_list_ok(many));
}

int main(void)
{
	RUN(test_add_remove);
	RUN(test_list_ok);
	CHECK_EXIT();
}
