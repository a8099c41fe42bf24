// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Settings that come from outside: flags, the consent file, times and durations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <unistd.h>
#include <sys/stat.h>
#include "check.h"
#include "clock.h"
#include "consent.h"
#include "evtap.h"
#include "buffer.h"
#include "options.h"

static enum options_result parse_args(struct daemon_config *cfg, char *err, int argc, ...)
{
	char *argv[16] = { "evtapd" };
	va_list ap;

	va_start(ap, argc);
	for (int i = 1; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	options_defaults(cfg);
	return options_parse(cfg, argc, argv, err, 256);
}

static void test_options(void)
{
	struct daemon_config cfg;
	char err[256];

	CHECK_EQ(parse_args(&cfg, err, 7, "--data-dir", "/tmp/x", "--level", "full",
			    "--session-source", "static:1000"),
		 OPTIONS_RUN);
	CHECK(!strcmp(cfg.data_dir, "/tmp/x"));
	CHECK_EQ(cfg.level, EVTAP_LEVEL_FULL);
	CHECK(!strcmp(cfg.session_spec, "static:1000"));
	CHECK_EQ(parse_args(&cfg, err, 3, "--flush-interval", "250ms"), OPTIONS_RUN);
	CHECK_EQ(cfg.flush_interval_ns, 250000000);
	CHECK_EQ(parse_args(&cfg, err, 3, "--time-granularity", "100"), OPTIONS_RUN);
	CHECK_EQ(cfg.time_granularity_ns, 100000000);
	CHECK_EQ(parse_args(&cfg, err, 1), OPTIONS_RUN);
	CHECK(!strcmp(cfg.key_dir, "/var/lib/evtap-keys"));
	CHECK(cfg.retention_ns == 0 && cfg.max_user_bytes == 0 && cfg.max_total_bytes == 0);
	CHECK_EQ(parse_args(&cfg, err, 9, "--key-dir", "/k", "--retention-days", "30",
			    "--max-disk-mb", "5", "--max-total-mb", "100"),
		 OPTIONS_RUN);
	CHECK(!strcmp(cfg.key_dir, "/k"));
	CHECK_EQ(cfg.retention_ns, 30 * 86400 * 1000000000LL);
	CHECK_EQ(cfg.max_user_bytes, 5 << 20);
	CHECK_EQ(cfg.max_total_bytes, 100 << 20);
	CHECK_EQ(parse_args(&cfg, err, 3, "--retention-days", "-1"), OPTIONS_USAGE);
	CHECK_EQ(parse_args(&cfg, err, 1), OPTIONS_RUN);
	CHECK_EQ(cfg.metrics_interval_ns, 15 * 1000000000LL);
	CHECK_EQ(parse_args(&cfg, err, 5, "--metrics", "[::1]:9464", "--metrics-interval", "1m"),
		 OPTIONS_RUN);
	CHECK_EQ(cfg.metrics_interval_ns, 60 * 1000000000LL);
}

/* The defaults keep the ring small (its pages count twice in RSS) and wake at half of it. */
static void test_ring_wakeup(void)
{
	struct daemon_config cfg;
	char err[256];

	CHECK_EQ(parse_args(&cfg, err, 1), OPTIONS_RUN);
	CHECK_EQ(cfg.ringbuf_bytes, 1 << 20);
	CHECK_EQ(buffer_wakeup_bytes(cfg.wakeup_bytes, cfg.ringbuf_bytes), 512 << 10);
	CHECK_EQ(parse_args(&cfg, err, 3, "--ringbuf-kb", "128"), OPTIONS_RUN);
	CHECK_EQ(buffer_wakeup_bytes(cfg.wakeup_bytes, cfg.ringbuf_bytes), 64 << 10);
	CHECK_EQ(parse_args(&cfg, err, 3, "--wakeup-kb", "0"), OPTIONS_RUN);
	CHECK_EQ(buffer_wakeup_bytes(cfg.wakeup_bytes, cfg.ringbuf_bytes), 0);
}

static void test_option_errors(void)
{
	struct daemon_config cfg;
	char err[256];

	CHECK_EQ(parse_args(&cfg, err, 2, "--frobnicate"), OPTIONS_USAGE);
	CHECK(strstr(err, "unknown option '--frobnicate'"), "%s", err);
	CHECK_EQ(parse_args(&cfg, err, 3, "--session-source", "static:bob"), OPTIONS_USAGE);
	CHECK(strstr(err, "--session-source: bad value 'static:bob'"), "%s", err);
	CHECK_EQ(parse_args(&cfg, err, 3, "--session-source", "dbus"), OPTIONS_USAGE);
	CHECK_EQ(parse_args(&cfg, err, 3, "--level", "everything"), OPTIONS_USAGE);
	CHECK(strstr(err, "off, counts, classes or full"), "%s", err);
	CHECK_EQ(parse_args(&cfg, err, 2, "--level"), OPTIONS_USAGE);
	CHECK(strstr(err, "expected an argument"), "%s", err);
	CHECK_EQ(parse_args(&cfg, err, 3, "--ringbuf-kb", "1000"), OPTIONS_USAGE);
	CHECK_EQ(parse_args(&cfg, err, 2, "stray"), OPTIONS_USAGE);
	CHECK_EQ(parse_args(&cfg, err, 3, "--metrics", "0.0.0.0:9464"), OPTIONS_USAGE);
	CHECK(strstr(err, "--metrics: bad value '0.0.0.0:9464'") && strstr(err, "loopback only"),
	      "%s", err);
	CHECK_EQ(parse_args(&cfg, err, 3, "--metrics-interval", "200ms"), OPTIONS_USAGE);
}

static void test_times(void)
{
	int64_t ns;
	char buf[40];

	CHECK_EQ(clock_parse_time("2026-11-28T23:26:32.123456Z", &ns), 0);
	clock_format_rfc3339(ns, buf, sizeof(buf));
	CHECK(!strcmp(buf, "2026-11-28T23:26:32.123456Z"), "%s", buf);
	CHECK_EQ(clock_parse_time("2026-11-29T01:26:32+02:00", &ns), 0);
	clock_format_rfc3339(ns, buf, sizeof(buf));
	CHECK(!strcmp(buf, "2026-11-28T23:26:32.000000Z"), "%s", buf);
	CHECK_EQ(clock_parse_time("1700000000", &ns), 0);
	CHECK_EQ(ns, 1700000000LL * 1000000000);
	CHECK(clock_parse_time("yesterday", &ns) < 0);
	CHECK(clock_parse_time("2026-11-28T23:26:32", &ns) < 0);
	CHECK_EQ(clock_parse_duration("15m", &ns), 0);
	CHECK_EQ(ns, 900LL * 1000000000);
	CHECK_EQ(clock_parse_duration("250ms", &ns), 0);
	CHECK_EQ(ns, 250000000);
	CHECK(clock_parse_duration("15 minutes", &ns) < 0);
	CHECK(clock_parse_duration("-1s", &ns) < 0);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static void test_consent_round_trip(void)
{
	char dir[] = "/tmp/evtap-consent-XXXXXX", path[64], err[256];
	struct consent_user u = { .uid = 1001, .opted_out = 1, .level = EVTAP_LEVEL_COUNTS };
	const struct consent_user *got;
	struct consent *c;
	struct stat st;

	CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/consent.conf", dir);
	CHECK_EQ(consent_load(&c, path, err, sizeof(err)), 0); /* missing: empty */
	CHECK(consent_get(c, 1001) == NULL);
	u.paused_until_wall = 1800000000LL * 1000000000;
	CHECK_EQ(consent_set(c, &u), 0);
	CHECK_EQ(consent_save(c), 0);
	consent_free(c);
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_mode & 077, 0);
	CHECK_EQ(consent_load(&c, path, err, sizeof(err)), 0);
	got = consent_get(c, 1001);
	CHECK(got && got->opted_out && got->level == EVTAP_LEVEL_COUNTS &&
	      got->paused_until_wall == u.paused_until_wall);
	consent_free(c);
	unlink(path);
	rmdir(dir);
}

static void test_consent_errors(void)
{
	static const struct {
		const char *text, *error;
	} cases[] = {
		{ "[1001]\nopted_out = maybe\n", ":2: key 'opted_out': bad value 'maybe'" },
		{ "[1001]\nlevel = full\ncolour = red\n", ":3: unknown key 'colour'" },
		{ "[bob]\nlevel = full\n", ":2: section [bob]: expected a numeric uid" },
		{ "[1001]\npaused_until = soon\n", ":2: key 'paused_until'" },
		{ "[1001\n", ":1:" },
	};
	char dir[] = "/tmp/evtap-consent-XXXXXX", path[64], err[256];
	struct consent *c;

	CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/consent.conf", dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_file(path, cases[i].text);
		err[0] = '\0';
		CHECK(consent_load(&c, path, err, sizeof(err)) < 0, "accepted %s", cases[i].text);
		CHECK(strstr(err, path) && strstr(err, cases[i].error), "'%s' lacks '%s'", err,
		      cases[i].error);
	}
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	RUN(test_options);
	RUN(test_ring_wakeup);
	RUN(test_option_errors);
	RUN(test_times);
	RUN(test_consent_round_trip);
	RUN(test_consent_errors);
	CHECK_EXIT();
}
