// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The evtap-forget value as the custodian, the pipeline and the eraser read it. */
#include "check.h"
#include "fleet_forget.h"

static void test_requested(void)
{
	CHECK_EQ(fleet_forget_requested("{\"requested\":1764633600000000000,\"origin\":\"h\"}"),
		 1764633600000000000LL);
}

static void test_bad_values_are_zero(void)
{
	CHECK_EQ(fleet_forget_requested("{\"origin\":\"h\"}"), 0);
	CHECK_EQ(fleet_forget_requested("not json"), 0);
	CHECK_EQ(fleet_forget_requested(""), 0);
	CHECK_EQ(fleet_forget_requested(NULL), 0);
}

int main(void)
{
	RUN(test_requested);
	RUN(test_bad_values_are_zero);
	CHECK_EXIT();
}
