/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The CLI's side of the control socket: send one request, print the answer for a person. */
#ifndef EVTAP_CLIENT_H
#define EVTAP_CLIENT_H

#include <json-c/json.h>

#define EXIT_EXPORT_INCOMPLETE 4

/*
 * Returns the CLI's exit status: 0, 1 when evtapd refused or failed, 3 when unreachable, 4
 * (EXIT_EXPORT_INCOMPLETE) when an export was cut short or skipped damaged blocks.
 */
int client_call(const char *socket_path, const char *command, json_object *req, const char *format,
		int raw_json);

#endif /* EVTAP_CLIENT_H */
