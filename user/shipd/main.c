// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* evtap-shipd: the loop. Usage and behaviour: docs/evtap-shipd.8; design: docs/FLEET.md. */
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include "clock.h"
#include "log.h"
#include "setup.h"

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

static void run(struct shipd *sd)
{
	struct timespec idle = { 0, LOOP_IDLE_NS };
	struct loop_times t = { 0 };

	while (!stopping)
		if (!loop_turn(sd, &t, clock_mono_ns()))
			nanosleep(&idle, NULL);
	loop_finish(sd);
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
