// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* evtapd: the collector. Usage and behaviour: docs/evtapd.8. */
#include <stdio.h>
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "options.h"
#include "probe.h"

int main(int argc, char **argv)
{
	struct daemon_config cfg;
	char err[512];
	int ret;

	switch (config_load(&cfg, argc, argv, err, sizeof(err))) {
	case OPTIONS_EXIT_OK:
		options_usage(stdout);
		return 0;
	case OPTIONS_USAGE:
		fprintf(stderr, "evtapd: %s\n", err);
		options_usage(stderr);
		return 2;
	case OPTIONS_BAD_CONFIG:
		fprintf(stderr, "evtapd: %s\n", err);
		config_free(&cfg);
		return 2;
	case OPTIONS_RUN:
		break;
	}
	log_init("evtapd", cfg.verbose ? LOG_DEBUG : LOG_INFO);
	if (cfg.check_config)
		printf("%s: ok\n", cfg.config_path);
	ret = cfg.check_config ? 0
	      : cfg.probe      ? probe_run(cfg.buffer, cfg.attach, cfg.verbose)
			       : daemon_run(&cfg);
	config_free(&cfg);
	return ret;
}
