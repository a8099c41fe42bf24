/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The unit-test harness: each test is a function; RUN() prints "PASS name" or "FAIL name"
 * with the first failed check's file, line and message. tests/run counts these lines.
 */
#ifndef EVTAP_CHECK_H
#define EVTAP_CHECK_H

#include <stdio.h>

static int check_test_failed;
static int check_failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond) && !check_test_failed) {                                               \
			check_test_failed = 1;                                                     \
			fprintf(stdout, "  %s:%d: check failed: %s:", __FILE__, __LINE__, #cond);  \
			fprintf(stdout, " " __VA_ARGS__);                                          \
			fputc('\n', stdout);                                                       \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	CHECK((long long)(a) == (long long)(b), "%lld != %lld", (long long)(a), (long long)(b))

#define RUN(fn)                                                                                    \
	do {                                                                                       \
		check_test_failed = 0;                                                             \
		fn();                                                                              \
		printf("%s %s\n", check_test_failed ? "FAIL" : "PASS", #fn);                       \
		fflush(stdout);                                                                    \
		check_failures += check_test_failed;                                               \
	} while (0)

#define CHECK_EXIT() return check_failures ? 1 : 0

#endif /* EVTAP_CHECK_H */
