// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* evtap-shipd: the loop. Usage and behaviour: docs/evtap-shipd.8; design: docs/FLEET.md. */
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include "clock.h"
#include "log.h"
#include "setup.h"

#define SCAN_NS	  200000000LL  /* the data dir is listed again after this */
#define REPORT_NS 1000000000LL /* status.json and metrics.prom */
#define IDLE_NS	  20000000L    /* a turn that sent nothing sleeps this long */
#define DRAIN_MS  3000	       /* at stop, for the acknowledgements still due */

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * One turn: acknowledgements move the watermarks, the directories are looked at again now and
 * then, the sender sends what the bounds allow, the modules poll. Nothing here waits on the
 * network but a key's publish, which is bounded.
 */
static void run(struct shipd *sd)
{
	int64_t next_scan = 0, next_report = 0, now;
	struct timespec idle = { 0, IDLE_NS };
	bool sent;

	while (!stopping) {
		now = clock_mono_ns();
		flights_settle(sd, false);
		if (now >= next_scan) {
			users_scan(sd);
			next_scan = now + SCAN_NS;
		}
		sent = publish_connected(sd) && send_all(sd, now);
		modules_poll(sd, now);
		if (now >= next_report) {
			report_write(sd, false);
			next_report = now + REPORT_NS;
		}
		if (!sent)
			nanosleep(&idle, NULL);
	}
	publish_drain(sd, DRAIN_MS);
	flights_settle(sd, true);
	report_write(sd, true);
}

int main(int argc, char **argv)
{
	struct setup_opts o;
	struct shipd sd;
	char err[1024];
	int r = setup_options(&o, argc, argv);

	if (r)
		return r > 0 ? 0 : 2;
	log_init("evtap-shipd", o.verbose ? LOG_DEBUG : LOG_INFO);
	catch_signals();
	if (setup_start(&sd, &o, err, sizeof(err))) {
		log_err("%s", err);
		setup_stop(&sd);
		return 1;
	}
	log_info("shipping %s to %s%s", sd.data_dir, sd.conf.servers[0],
		 sd.conf.nservers > 1 ? " and the others" : "");
	run(&sd);
	log_info("stopped: %llu blocks shipped", (unsigned long long)sd.c.shipped_blocks);
	setup_stop(&sd);
	return 0;
}
