// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The configuration file: keys, errors with their line, and flags over the file. */
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "config.h"
#include "evtap.h"

static char path[64];

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static enum options_result load(struct daemon_config *cfg, char *err, int argc, ...)
{
	char *argv[16] = { "evtapd", "-c", path };
	va_list ap;

	va_start(ap, argc);
	for (int i = 3; i < argc + 3; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	err[0] = '\0';
	return config_load(cfg, argc + 3, argv, err, 256);
}

static void test_keys(void)
{
	struct daemon_config cfg;
	char err[256];

	write_file("; fleet settings\n[evtapd]\nlevel = full\ndata-dir = /srv/evtap\n"
		   "flush-interval = 250ms\npin = yes\nmetrics = 127.0.0.1:9464\n"
		   "default-consent = skip\ntime-granularity = 100\n");
	CHECK(load(&cfg, err, 0) == OPTIONS_RUN, "%s", err);
	CHECK_EQ(cfg.level, EVTAP_LEVEL_FULL);
	CHECK(!strcmp(cfg.data_dir, "/srv/evtap"));
	CHECK_EQ(cfg.flush_interval_ns, 250000000);
	CHECK_EQ(cfg.pin, 1);
	CHECK(!strcmp(cfg.metrics, "127.0.0.1:9464"));
	CHECK_EQ(cfg.default_consent, EVTAP_DEFAULT_SKIP);
	CHECK_EQ(cfg.time_granularity_ns, 100000000);
	CHECK(!strcmp(cfg.config_path, path));
	config_free(&cfg);
}

static void test_flags_override_file(void)
{
	struct daemon_config cfg;
	char err[256];

	write_file("[evtapd]\nlevel = full\nsocket = /run/x.sock\npin = yes\n");
	CHECK(load(&cfg, err, 3, "--level", "counts", "--pin") == OPTIONS_RUN, "%s", err);
	CHECK_EQ(cfg.level, EVTAP_LEVEL_COUNTS);
	CHECK(!strcmp(cfg.socket_path, "/run/x.sock"));
	CHECK_EQ(cfg.pin, 1);
	config_free(&cfg);
	/* Defaults where neither says anything. */
	write_file("[evtapd]\n");
	CHECK(load(&cfg, err, 0) == OPTIONS_RUN, "%s", err);
	CHECK_EQ(cfg.level, EVTAP_LEVEL_CLASSES);
	CHECK(!strcmp(cfg.data_dir, "/var/lib/evtap"));
	CHECK(cfg.metrics == NULL && cfg.pin == 0);
	config_free(&cfg);
}

static void test_errors(void)
{
	struct daemon_config cfg;
	char err[256], want[256];

	write_file("[evtapd]\nlevel = full\n\n# comment\nfrobnicate = 1\n");
	CHECK_EQ(load(&cfg, err, 0), OPTIONS_BAD_CONFIG);
	snprintf(want, sizeof(want), "%s:5: unknown key 'frobnicate'", path);
	CHECK(!strcmp(err, want), "'%s'", err);
	config_free(&cfg);

	write_file("[evtapd]\nlevel = max\n");
	CHECK_EQ(load(&cfg, err, 0), OPTIONS_BAD_CONFIG);
	snprintf(want, sizeof(want), "%s:2: bad value 'max' for level: expected the fleet's level",
		 path);
	CHECK(!strncmp(err, want, strlen(want)), "'%s'", err);
	config_free(&cfg);

	write_file("[evtapd]\npin = maybe\n");
	CHECK_EQ(load(&cfg, err, 0), OPTIONS_BAD_CONFIG);
	CHECK(strstr(err, ":2: bad value 'maybe' for pin: expected yes or no"), "'%s'", err);
	config_free(&cfg);

	write_file("[evtapd]\nlevel = full\nthis line has no equals sign\n");
	CHECK_EQ(load(&cfg, err, 0), OPTIONS_BAD_CONFIG);
	CHECK(strstr(err, ":3: syntax error"), "'%s'", err);
	config_free(&cfg);

	write_file("[other]\nlevel = full\n");
	CHECK_EQ(load(&cfg, err, 0), OPTIONS_BAD_CONFIG);
	CHECK(strstr(err, ":2: key 'level' outside the [evtapd] section"), "'%s'", err);
	config_free(&cfg);

	/* Only the first error is reported, with its own line. */
	write_file("[evtapd]\nwakeup-kb = lots\nlevel = max\n");
	CHECK_EQ(load(&cfg, err, 0), OPTIONS_BAD_CONFIG);
	CHECK(strstr(err, ":2: bad value 'lots' for wakeup-kb"), "'%s'", err);
	config_free(&cfg);

	/* A bad flag is still a usage error, whatever the file. */
	write_file("[evtapd]\n");
	CHECK_EQ(load(&cfg, err, 2, "--level", "max"), OPTIONS_USAGE);
	config_free(&cfg);
}

static void test_missing_file(void)
{
	struct daemon_config cfg;
	char err[256];

	unlink(path);
	CHECK_EQ(load(&cfg, err, 0), OPTIONS_BAD_CONFIG);
	CHECK(strstr(err, "cannot read: No such file or directory"), "'%s'", err);
	config_free(&cfg);
	/* The default file may be absent. */
	options_defaults(&cfg);
	CHECK_EQ(config_read_file(&cfg, path, 0, err, sizeof(err)), 0);
	config_free(&cfg);
}

/* Strings from the file outlive the parse: they are the file's values, not inih's buffer. */
static void test_strings_kept(void)
{
	struct daemon_config cfg;
	char err[256];

	write_file("[evtapd]\nkey-dir = /k1\nsocket = /s1\nsession-source = static:7\n");
	CHECK(load(&cfg, err, 0) == OPTIONS_RUN, "%s", err);
	CHECK(!strcmp(cfg.key_dir, "/k1") && !strcmp(cfg.socket_path, "/s1"));
	CHECK(!strcmp(cfg.session_spec, "static:7"));
	config_free(&cfg);
}

/* [fleet]: its keys through the fleet layer, a bad one with its line, then the whole. */
static void test_fleet_section(void)
{
	char err[256], dir[] = "/tmp/evtap-fleet-cfg-XXXXXX", text[1024], creds[80], key[80];
	struct group *g = getgrgid(getgid());
	struct passwd *pw = getpwuid(getuid());
	struct daemon_config cfg;
	FILE *f;

	CHECK(mkdtemp(dir) && g && pw);
	snprintf(creds, sizeof(creds), "%s/agent.auth", dir);
	snprintf(key, sizeof(key), "%s/key", dir);
	f = fopen(creds, "w");
	fputs("user = u\npassword = p\ninbox = _INBOX_h\n", f);
	fclose(f);
	f = fopen(key, "w");
	fputs("0123456789abcdef0123456789abcdef", f);
	fclose(f);
	write_file("[evtapd]\nlevel = full\n[fleet]\nservers = nats://127.0.0.1:4222\n"
		   "max-in-flight = none\n");
	CHECK(load(&cfg, err, 0) == OPTIONS_BAD_CONFIG);
	CHECK(strstr(err, ":5: bad value 'none' for max-in-flight"), "'%s'", err);
	config_free(&cfg);
	snprintf(text, sizeof(text),
		 "[fleet]\nservers = nats://127.0.0.1:4222\ncredentials = %s\n"
		 "pseudonym-key = %s\ncustodian-public-key = %s\nship-group = %s\nship-user = %s\n",
		 creds, key, key, g->gr_name, pw->pw_name);
	write_file(text);
	CHECK(load(&cfg, err, 0) == OPTIONS_RUN, "%s", err);
	CHECK(cfg.fleet_on && cfg.fleet.nservers == 1);
	CHECK(!strcmp(cfg.fleet.ship_group, g->gr_name));
	config_free(&cfg);
	strcat(text, "ship-group = no-such-group-here\n");
	write_file(text);
	CHECK(load(&cfg, err, 0) == OPTIONS_BAD_CONFIG);
	CHECK(strstr(err, "[fleet] ship-group: no group 'no-such-group-here'"), "'%s'", err);
	config_free(&cfg);
	strcat(text, "ship-group = ");
	strcat(text, g->gr_name);
	strcat(text, "\nship-user = no-such-user-here\n");
	write_file(text);
	CHECK(load(&cfg, err, 0) == OPTIONS_BAD_CONFIG);
	CHECK(strstr(err, "[fleet] ship-user: no user 'no-such-user-here'"), "'%s'", err);
	config_free(&cfg);
	write_file("[evtapd]\nlevel = full\n");
	CHECK(load(&cfg, err, 0) == OPTIONS_RUN && !cfg.fleet_on,
	      "without [fleet] nothing changes");
	config_free(&cfg);
	unlink(creds);
	unlink(key);
	rmdir(dir);
}

int main(void)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/evtap-conf-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return 1;
	close(fd);
	RUN(test_keys);
	RUN(test_flags_override_file);
	RUN(test_errors);
	RUN(test_missing_file);
	RUN(test_strings_kept);
	RUN(test_fleet_section);
	unlink(path);
	CHECK_EXIT();
}
