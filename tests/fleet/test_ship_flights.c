// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The shipper's queues: the watermark moves only over blocks acknowledged with no gap before
 * them, a failure sends the user back to it, and what is written is what a restart reads.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "shipd.h"

static struct shipd sd;
static struct ship_user user;
static char dir[] = "/tmp/evtap-ship-flights-XXXXXX";

static void queue(uint64_t off, uint32_t len)
{
	struct flight *f = flights_push(&user);

	*f = (struct flight){ .seq = 2, .off = off, .len = len };
	sd.in_flight++;
}

static void test_watermark_waits_for_the_gap(void)
{
	struct ship_user back = { .uid = user.uid };

	queue(32, 100);
	queue(132, 100);
	queue(232, 100);
	flights_find(&user, 2, 232)->state = FLIGHT_ACKED;
	flights_settle(&sd, true);
	CHECK(user.wm.seq == 0 && user.wm.off == SEG_HEADER_SIZE, "nothing before the gap: %lu",
	      (unsigned long)user.wm.off);
	flights_find(&user, 2, 32)->state = FLIGHT_ACKED;
	flights_settle(&sd, true);
	CHECK(user.wm.seq == 2 && user.wm.off == 132, "up to the gap: %lu",
	      (unsigned long)user.wm.off);
	flights_find(&user, 2, 132)->state = FLIGHT_FAILED;
	flights_settle(&sd, true);
	CHECK(user.rewind, "a failure sends the user back");
	CHECK_EQ(user.wm.off, 132);
	CHECK_EQ(user.fl_count, 0);
	CHECK_EQ(sd.in_flight, 0);
	CHECK_EQ(sd.c.shipped_blocks, 2);
	CHECK_EQ(sd.c.errors[SHIP_ERR_TIMEOUT], 1);
	CHECK_EQ(watermark_load(&sd, &back), 0);
	CHECK(back.wm.seq == 2 && back.wm.off == 132, "what a restart reads");
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	sd.state_fd = open(dir, O_RDONLY | O_DIRECTORY);
	sd.conf.max_in_flight = 8;
	pthread_mutex_init(&sd.lock, NULL);
	user = (struct ship_user){ .uid = 1000, .fl_cap = 10, .wm = { 0, SEG_HEADER_SIZE } };
	user.fl = calloc(user.fl_cap, sizeof(*user.fl));
	sd.users = (struct ship_user *[]){ &user };
	sd.n_users = 1;
	RUN(test_watermark_waits_for_the_gap);
	unlinkat(sd.state_fd, "1000.wm", 0);
	rmdir(dir);
	CHECK_EXIT();
}
