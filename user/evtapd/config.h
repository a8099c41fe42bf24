/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * evtapd's configuration file (/etc/evtap/evtap.conf): INI, an [evtapd] section whose keys are
 * the long flags of options.c's table, with the same values. Flags override the file.
 */
#ifndef EVTAP_CONFIG_H
#define EVTAP_CONFIG_H

#include <stddef.h>
#include "options.h"

/*
 * Applies the file at path to cfg. A missing file is fine unless must_exist. Returns 0, or
 * -errno with err saying "FILE: why" or "FILE:LINE: why" (an unknown key, a bad value and what
 * the key expects, a syntax error). Strings set from the file belong to cfg: config_free().
 */
int config_read_file(struct daemon_config *cfg, const char *path, int must_exist, char *err,
		     size_t errlen);

/*
 * Everything in order: the defaults, then the file that -c names (or the default one), then
 * the flags. OPTIONS_USAGE is a bad flag, OPTIONS_BAD_CONFIG a bad file; err says why.
 */
enum options_result config_load(struct daemon_config *cfg, int argc, char **argv, char *err,
				size_t errlen);

/* Frees the strings that came from the file; cfg must not be used after. */
void config_free(struct daemon_config *cfg);

#endif /* EVTAP_CONFIG_H */
