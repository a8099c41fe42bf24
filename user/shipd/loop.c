// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* One turn of the shipper's loop, and its end: main.c's loop, and each agent of bench/fleet/. */
#include "shipd.h"

#define SCAN_NS	  200000000LL  /* the data dir is listed again after this */
#define REPORT_NS 1000000000LL /* status.json and metrics.prom */
#define DRAIN_MS  3000	       /* at stop, for the acknowledgements still due */

/*
 * Acknowledgements move the watermarks, the directories are looked at again now and then, the
 * sender sends what the bounds allow, the modules poll. Nothing here waits on the network but
 * a key's publish, which is bounded.
 */
bool loop_turn(struct shipd *sd, struct loop_times *t, int64_t now)
{
	bool sent;

	flights_settle(sd, false);
	if (now >= t->next_scan) {
		users_scan(sd);
		t->next_scan = now + SCAN_NS;
	}
	sent = publish_connected(sd) && send_all(sd, now);
	modules_poll(sd, now);
	if (now >= t->next_report) {
		report_write(sd, false);
		t->next_report = now + REPORT_NS;
	}
	return sent;
}

void loop_finish(struct shipd *sd)
{
	publish_drain(sd, DRAIN_MS);
	flights_settle(sd, true);
	report_write(sd, true);
}
