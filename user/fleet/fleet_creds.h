/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A credentials file: the NATS user, its password and the inbox prefix its permissions confine
 * replies to, as "key = value" lines. evtap-fleet writes it (fleet_creds_format) and every
 * client reads it (fleet_creds_read), so that both agree on the format.
 */
#ifndef EVTAP_FLEET_CREDS_H
#define EVTAP_FLEET_CREDS_H

#include <stddef.h>

struct fleet_creds {
	char user[80];
	char password[64];
	char inbox[80]; /* _INBOX_<host or role> */
};

/*
 * Reads path. Returns 0, or a negative errno with err naming the file and, for a bad line,
 * its number and what was expected. On failure cr is wiped.
 */
int fleet_creds_read(const char *path, struct fleet_creds *cr, char *err, size_t errlen);

/* The file's text, with comment as its first line ("# comment"). Returns its length or -1. */
int fleet_creds_format(char *buf, size_t len, const char *comment, const struct fleet_creds *cr);

#endif /* EVTAP_FLEET_CREDS_H */
