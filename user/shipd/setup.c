// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Starting and stopping: the command line, the [fleet] section, the pseudonyms, the
 * directories, the connection. The shipper refuses to run as root: what talks to the network
 * must not be able to read the key dir, consent.conf or the audit log.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "request.h"
#include "setup.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: evtap-shipd [-c FILE] [--data-dir DIR] [--state-dir DIR] "
		"[--machine-id FILE] [--socket PATH] [-v]\n"
		"  -c, --config FILE   the [fleet] section (/etc/evtap/evtap.conf)\n"
		"  --data-dir DIR      evtapd's store (/var/lib/evtap)\n"
		"  --state-dir DIR     watermarks and status (the [fleet] ship-state-dir)\n"
		"  --machine-id FILE   the host's id unless [fleet] host-id (/etc/machine-id)\n"
		"  --socket PATH       evtapd's control socket (the file's [evtapd] socket, else\n"
		"                      /run/evtap/evtap.sock)\n"
		"  -v, --verbose       debug messages\n");
}

int setup_options(struct setup_opts *o, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "machine-id", required_argument, NULL, 'm' },
		{ "socket", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct setup_opts){ .config = "/etc/evtap/evtap.conf",
				  .data_dir = "/var/lib/evtap",
				  .machine_id = "/etc/machine-id" };
	while ((c = getopt_long(argc, argv, "c:vh", longs, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'd':
			o->data_dir = optarg;
			break;
		case 's':
			o->state_dir = optarg;
			break;
		case 'm':
			o->machine_id = optarg;
			break;
		case 'S':
			o->socket = optarg;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static int host_pseudonym(struct shipd *sd, const char *machine_id, char *err, size_t errlen)
{
	char id[160], why[256];

	if (fleet_conf_host_id(&sd->conf, machine_id, id, sizeof(id), why, sizeof(why))) {
		snprintf(err, errlen, "host id: %s", why);
		return -1;
	}
	return fleet_pseudonym(sd->host, sd->pseudonym_key, id) ? -1 : 0;
}

static int open_dirs(struct shipd *sd, char *err, size_t errlen)
{
	sd->data_fd = open(sd->data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sd->data_fd < 0) {
		snprintf(err, errlen, "%s: %s (is evtap-shipd in the ship group?)", sd->data_dir,
			 strerror(errno));
		return -1;
	}
	if (mkdir(sd->state_dir, 0750) && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", sd->state_dir, strerror(errno));
		return -1;
	}
	sd->state_fd = open(sd->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sd->state_fd < 0) {
		snprintf(err, errlen, "%s: %s", sd->state_dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* inih's handler for evtapd's section: its socket key, the one evtapd listens on. */
static int on_evtapd_key(void *user, const char *section, const char *name, const char *value)
{
	struct shipd *sd = user;

	if (strcmp(section, "evtapd") || strcmp(name, "socket"))
		return 1;
	if (!*value || strlen(value) >= sizeof(sd->evtapd_socket))
		return 0; /* ini_parse returns this line */
	strcpy(sd->evtapd_socket, value);
	return 1;
}

/*
 * Where evtapd listens: the same file's [evtapd] socket, so that one setting moves both (two
 * agents on one machine, in the VM suite), else evtapd's default.
 */
static int load_evtapd_socket(struct shipd *sd, const char *path, char *err, size_t errlen)
{
	int line;

	strcpy(sd->evtapd_socket, REQUEST_SOCKET_DEFAULT);
	line = ini_parse(path, on_evtapd_key, sd);
	if (line < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	if (line) {
		snprintf(err, errlen,
			 "%s:%d: bad value for socket: expected a path of 1 to %zu bytes", path,
			 line, sizeof(sd->evtapd_socket) - 1);
		return -1;
	}
	return 0;
}

static int load_conf(struct shipd *sd, const struct setup_opts *o, char *err, size_t errlen)
{
	char why[512];

	fleet_conf_init(&sd->conf);
	if (fleet_conf_load(&sd->conf, o->config, FLEET_NEED_PSEUDONYM_KEY, err, errlen) ||
	    load_evtapd_socket(sd, o->config, err, errlen))
		return -1;
	if (o->socket && snprintf(sd->evtapd_socket, sizeof(sd->evtapd_socket), "%s", o->socket) >=
				 (int)sizeof(sd->evtapd_socket)) {
		snprintf(err, errlen, "--socket: expected a path of 1 to %zu bytes",
			 sizeof(sd->evtapd_socket) - 1);
		return -1;
	}
	if (fleet_read_key(sd->conf.pseudonym_key, sd->pseudonym_key, why, sizeof(why))) {
		snprintf(err, errlen, "pseudonym-key: %s", why);
		return -1;
	}
	return host_pseudonym(sd, o->machine_id, err, errlen);
}

int setup_ship(struct shipd *sd, const struct setup_opts *o, char *err, size_t errlen)
{
	memset(sd, 0, sizeof(*sd));
	sd->data_fd = sd->state_fd = -1;
	pthread_mutex_init(&sd->lock, NULL);
	if (sodium_init() < 0 || load_conf(sd, o, err, errlen))
		return -1;
	sd->data_dir = o->data_dir;
	sd->state_dir = o->state_dir ? o->state_dir : sd->conf.ship_state_dir;
	if (open_dirs(sd, err, errlen))
		return -1;
	sd->rd = seg_reader_new();
	sd->users = calloc(EVTAP_MAX_USERS, sizeof(*sd->users));
	if (!sd->rd || !sd->users) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return publish_open(sd, err, errlen);
}

int setup_start(struct shipd *sd, const struct setup_opts *o, char *err, size_t errlen)
{
	if (geteuid() == 0) {
		memset(sd, 0, sizeof(*sd));
		sd->data_fd = sd->state_fd = -1;
		snprintf(err, errlen,
			 "refusing to run as root: run as the ship user, whom the "
			 "store's key dir, consent and audit log are closed to");
		return -1;
	}
	if (setup_ship(sd, o, err, errlen))
		return -1;
	if (modules_start(sd)) {
		snprintf(err, errlen, "a module did not start");
		return -1;
	}
	return 0;
}

void setup_stop(struct shipd *sd)
{
	if (sd->js)
		modules_stop(sd);
	if (sd->nc)
		publish_close(sd);
	users_free(sd);
	free(sd->users);
	seg_reader_free(sd->rd);
	if (sd->data_fd >= 0)
		close(sd->data_fd);
	if (sd->state_fd >= 0)
		close(sd->state_fd);
	sodium_memzero(sd->pseudonym_key, sizeof(sd->pseudonym_key));
	fleet_conf_free(&sd->conf);
}
