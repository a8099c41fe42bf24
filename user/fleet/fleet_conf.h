/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The [fleet] section of evtap.conf: where the NATS servers are, who this machine is to them,
 * and how fast it may ship. Parsed key by key through one table (fleet_conf_set, which the
 * daemon's INI handler calls for each key of the section), then checked as a whole
 * (fleet_conf_check: the files exist and hold what they must).
 */
#ifndef EVTAP_FLEET_CONF_H
#define EVTAP_FLEET_CONF_H

#include <stddef.h>

#define FLEET_MAX_SERVERS 16

#define FLEET_SHIP_GROUP_DEFAULT     "evtap-ship"
#define FLEET_SHIP_USER_DEFAULT	     "evtap-ship"
#define FLEET_SHIP_STATE_DIR_DEFAULT "/var/lib/evtap-ship"

struct fleet_conf {
	char *servers[FLEET_MAX_SERVERS]; /* nats:// URLs, in the order given */
	int nservers;
	char *credentials;	    /* the file evtap-fleet wrote for this machine or role */
	char *pseudonym_key;	    /* 32 raw bytes */
	char *custodian_public_key; /* 32 raw bytes: the custodian's X25519 public key */
	char *host_id;		    /* overrides /etc/machine-id when set */
	unsigned int max_in_flight; /* unacknowledged publishes at once */
	unsigned int ship_rate;	    /* blocks per second, 0 for no limit */
	unsigned int heartbeat_s;   /* seconds between heartbeats */
	char ship_group[33];	    /* evtapd gives the store to it; evtap-shipd runs in it */
	char ship_user[33];	    /* evtap-shipd's user: evtapd takes fleet requests from it */
	char ship_state_dir[256];   /* evtap-shipd's watermarks and status, which evtapd reads */
};

/*
 * Defaults: no servers, 64 in flight, no rate limit, a heartbeat every 30 s, the ship group
 * and user evtap-ship, its state in /var/lib/evtap-ship.
 */
void fleet_conf_init(struct fleet_conf *c);
void fleet_conf_free(struct fleet_conf *c);

/*
 * Sets one key from its text. Returns 0; -ENOENT for an unknown key, -EINVAL for a bad value,
 * with err saying "bad value 'V' for KEY: expected ..." (the caller adds file and line).
 */
int fleet_conf_set(struct fleet_conf *c, const char *key, const char *value, char *err,
		   size_t errlen);

/* What a role must have besides servers and credentials: an agent both keys, a pipeline none. */
#define FLEET_NEED_PSEUDONYM_KEY 1u
#define FLEET_NEED_CUSTODIAN_KEY 2u
#define FLEET_NEED_AGENT	 (FLEET_NEED_PSEUDONYM_KEY | FLEET_NEED_CUSTODIAN_KEY)

/*
 * Checks the section as a whole: servers given, the credentials file readable, each key file
 * that is set (and each that need names) of exactly 32 bytes. Returns 0, or -EINVAL with err
 * naming the key and what was expected.
 */
int fleet_conf_check(const struct fleet_conf *c, unsigned int need, char *err, size_t errlen);

/*
 * Reads the [fleet] section of the INI file at path (other sections are left to their own
 * readers), then checks it. err is "PATH:LINE: ..." for a bad key, "PATH: ..." for the whole.
 */
int fleet_conf_load(struct fleet_conf *c, const char *path, unsigned int need, char *err,
		    size_t errlen);

/* The machine's host id: host-id when set, else the first line of machine_id_path. */
int fleet_conf_host_id(const struct fleet_conf *c, const char *machine_id_path, char *buf,
		       size_t len, char *err, size_t errlen);

#endif /* EVTAP_FLEET_CONF_H */
