// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A daemon's reconnect wait: it grows with each failed round, up to its bound, with jitter. */
#include <stdint.h>
#include "check.h"
#include "fleet_conn.h"

/* The wait lies in [c/2, c] for the round's ceiling c, whatever the random value. */
static void test_bounds(void)
{
	const uint32_t randoms[] = { 0, 1, 999, 1000, 1001, 0x7fffffff, UINT32_MAX };
	int64_t ceiling = FLEET_RECONNECT_BASE_MS;

	for (int attempts = 1; attempts <= 40; attempts++) {
		for (unsigned int i = 0; i < sizeof(randoms) / sizeof(randoms[0]); i++) {
			int64_t d = fleet_reconnect_delay_ms(attempts, randoms[i]);

			CHECK(d >= ceiling / 2 && d <= ceiling,
			      "attempt %d: %lld not in [%lld, %lld]", attempts, (long long)d,
			      (long long)ceiling / 2, (long long)ceiling);
		}
		ceiling =
			ceiling * 2 > FLEET_RECONNECT_MAX_MS ? FLEET_RECONNECT_MAX_MS : ceiling * 2;
	}
}

static void test_grows_then_stops(void)
{
	CHECK_EQ(fleet_reconnect_delay_ms(1, 0), FLEET_RECONNECT_BASE_MS / 2);
	CHECK_EQ(fleet_reconnect_delay_ms(2, 0), FLEET_RECONNECT_BASE_MS);
	CHECK_EQ(fleet_reconnect_delay_ms(3, 0), 2 * FLEET_RECONNECT_BASE_MS);
	CHECK_EQ(fleet_reconnect_delay_ms(1000, 0), FLEET_RECONNECT_MAX_MS / 2);
	CHECK_EQ(fleet_reconnect_delay_ms(1000, FLEET_RECONNECT_MAX_MS / 2),
		 FLEET_RECONNECT_MAX_MS);
	/* A count the library never gives is still a wait within the bounds. */
	CHECK_EQ(fleet_reconnect_delay_ms(0, 0), FLEET_RECONNECT_BASE_MS / 2);
}

/* Two agents that failed together wait apart. */
static void test_jitter_spreads(void)
{
	CHECK(fleet_reconnect_delay_ms(5, 0) != fleet_reconnect_delay_ms(5, 12345), "no jitter");
}

int main(void)
{
	RUN(test_bounds);
	RUN(test_grows_then_stops);
	RUN(test_jitter_spreads);
	CHECK_EXIT();
}
