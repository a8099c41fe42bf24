/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* evtap-shipd's start and stop. */
#ifndef EVTAP_SHIPD_SETUP_H
#define EVTAP_SHIPD_SETUP_H

#include "shipd.h"

struct setup_opts {
	const char *config;
	const char *data_dir;
	const char *state_dir; /* NULL: [fleet] ship-state-dir */
	const char *machine_id;
	const char *socket; /* NULL: the file's [evtapd] socket */
	int verbose;
};

/* 0 to run, 1 for --help (printed), -1 for a bad command line (usage printed). */
int setup_options(struct setup_opts *o, int argc, char **argv);

/* Everything up to a connection that is trying. Returns 0, or -1 with err saying why. */
int setup_start(struct shipd *sd, const struct setup_opts *o, char *err, size_t errlen);
/*
 * What setup_start does but the root check and the modules (consent sync, forget): the
 * shipping alone, for the fleet benchmark's simulated agents (bench/fleet/). setup_stop
 * undoes it.
 */
int setup_ship(struct shipd *sd, const struct setup_opts *o, char *err, size_t errlen);
void setup_stop(struct shipd *sd);

#endif /* EVTAP_SHIPD_SETUP_H */
