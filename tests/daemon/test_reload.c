// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * SIGHUP's configuration reload, over the kernel layer's double: each reloadable setting takes
 * effect (the kernel's fleet variable, the loop's intervals), records captured under the old
 * policy are still stored, a bad file changes nothing, and a setting that needs a restart is
 * reported and left as it was.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "harness.h"

static struct harness h;
static struct evtap_record recs[16];

/* The file the daemon starts with; each test's file is this plus its own lines. */
#define BASE HARNESS_NO_INTERVALS "level = full\n"

static void reload(const char *conf)
{
	CHECK_EQ(harness_write_conf(&h, conf), 0);
	daemon_reload_config(&h.d);
}

/* The kernel's view: what the double's fleet variable holds. */
static int64_t fleet_level(void)
{
	return kernel_double.fleet.level;
}

static int64_t fleet_default_consent(void)
{
	return kernel_double.fleet.default_consent;
}

static int64_t fleet_granularity(void)
{
	return (int64_t)kernel_double.fleet.time_granularity_ns;
}

static int64_t fleet_wakeup(void)
{
	return kernel_double.fleet.wakeup_bytes;
}

static int64_t flush_interval(void)
{
	return h.d.cfg->flush_interval_ns;
}

static int64_t count_interval(void)
{
	return h.d.cfg->count_interval_ns;
}

static int64_t poll_interval(void)
{
	return h.d.cfg->poll_interval_ns;
}

static int64_t verbose(void)
{
	return h.d.cfg->verbose;
}

static const struct setting {
	const char *line;
	int64_t (*in_force)(void);
	int64_t want;
} settings[] = {
	{ "level = counts", fleet_level, EVTAP_LEVEL_COUNTS },
	{ "default-consent = skip", fleet_default_consent, EVTAP_DEFAULT_SKIP },
	{ "time-granularity = 100", fleet_granularity, 100000000 },
	{ "wakeup-kb = 64", fleet_wakeup, 64 << 10 },
	{ "flush-interval = 2s", flush_interval, 2000000000 },
	{ "count-interval = 5s", count_interval, 5000000000 },
	{ "poll-interval = 100ms", poll_interval, 100000000 },
	{ "verbose = yes", verbose, 1 },
};

/* Each setting changes on a reload, and changes back on the next. */
static void test_each_setting(void)
{
	char conf[256];

	HARNESS_START(&h, BASE);
	for (size_t i = 0; i < HARNESS_ARRAY_SIZE(settings); i++) {
		const struct setting *s = &settings[i];
		int64_t old = s->in_force();

		CHECK(old != s->want, "%s already in force", s->line);
		snprintf(conf, sizeof(conf), "%s%s\n", BASE, s->line);
		reload(conf);
		CHECK(s->in_force() == s->want, "%s: %lld in force", s->line,
		      (long long)s->in_force());
		/* The daemon's own copy, which its second check reads, is the kernel's. */
		CHECK(!memcmp(&h.d.fleet, &kernel_double.fleet, sizeof(h.d.fleet)), "%s", s->line);
		reload(BASE);
		CHECK(s->in_force() == old, "%s: not back to %lld", s->line, (long long)old);
	}
	harness_stop(&h);
}

/*
 * Records the kernel reserved under the old policy are stored though the new one would not
 * capture them; the next ones are checked against the new one.
 */
static void test_queued_records_kept(void)
{
	HARNESS_START(&h, BASE);
	/* Key codes at level full; a class of bob's, who never chose, under default record. */
	harness_push(HARNESS_ALICE, EVTAP_KIND_KEY, 30, 1);
	harness_push(HARNESS_BOB, EVTAP_KIND_KEYCLASS, EVTAP_CLASS_LETTER, 1);
	reload(BASE "level = classes\ndefault-consent = skip\n");
	CHECK_EQ(harness_read_user(&h, HARNESS_ALICE, recs, 16), 1);
	CHECK_EQ(recs[0].kind, EVTAP_KIND_KEY);
	CHECK_EQ(harness_read_user(&h, HARNESS_BOB, recs, 16), 1);
	CHECK_EQ(h.d.stats.dropped[EVTAP_STAT_GATE_LEVEL_OFF], 0);

	harness_push(HARNESS_ALICE, EVTAP_KIND_KEY, 30, 0);
	harness_push(HARNESS_BOB, EVTAP_KIND_KEYCLASS, EVTAP_CLASS_LETTER, 0);
	daemon_periodic_work(&h.d);
	CHECK_EQ(h.d.stats.dropped[EVTAP_STAT_GATE_LEVEL_OFF], 2);
	CHECK_EQ(harness_read_user(&h, HARNESS_ALICE, recs, 16), 1);
	CHECK_EQ(harness_read_user(&h, HARNESS_BOB, recs, 16), 1);
	harness_stop(&h);
}

static int config_unchanged(const struct daemon_config *was)
{
	const struct daemon_config *now = h.d.cfg;

	return now->level == was->level && now->default_consent == was->default_consent &&
	       now->flush_interval_ns == was->flush_interval_ns &&
	       now->wakeup_bytes == was->wakeup_bytes;
}

/* A file that does not parse, or is gone, leaves everything as it was. */
static void test_bad_file_kept(void)
{
	struct evtap_fleet fleet;
	struct daemon_config was;

	HARNESS_START(&h, BASE);
	fleet = kernel_double.fleet;
	was = *h.d.cfg;
	reload(BASE "level = counts\nwakeup-kb = 8\nlevel = max\n");
	CHECK(config_unchanged(&was), "a bad value changed the configuration");
	reload(BASE "default-consent = skip\nno equals sign\n");
	CHECK(config_unchanged(&was), "a syntax error changed the configuration");
	unlink(h.conf); /* given with -c: it must exist */
	daemon_reload_config(&h.d);
	CHECK(config_unchanged(&was), "a missing file changed the configuration");
	CHECK(!memcmp(&fleet, &kernel_double.fleet, sizeof(fleet)), "the fleet changed");
	harness_push(HARNESS_ALICE, EVTAP_KIND_KEY, 30, 1); /* and capture goes on */
	daemon_periodic_work(&h.d);
	CHECK_EQ(harness_read_user(&h, HARNESS_ALICE, recs, 16), 1);
	harness_stop(&h);
}

/* Reloads with the daemon's log (stderr) going to log. */
static void reload_logged(const char *conf, char *log, size_t len)
{
	char path[128];
	int fd, saved;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/reload.log", h.dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	saved = dup(STDERR_FILENO);
	CHECK(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	reload(conf);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, log, len - 1, 0);
	log[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* What was built at start-up is kept and reported; the rest of the file still applies. */
static void test_restart_only_reported(void)
{
	static const char *const reported[] = { "ringbuf-kb", "pin", "retention-days",
						"max-total-mb" };
	char log[4096], want[96];

	HARNESS_START(&h, BASE);
	reload_logged(BASE "ringbuf-kb = 64\npin = yes\nretention-days = 7\nmax-total-mb = 10\n"
			   "wakeup-kb = 1024\nlevel = counts\n",
		      log, sizeof(log));
	for (size_t i = 0; i < HARNESS_ARRAY_SIZE(reported); i++) {
		snprintf(want, sizeof(want), "reload: %s changed: needs a restart", reported[i]);
		CHECK(strstr(log, want), "no '%s' in: %s", want, log);
	}
	CHECK_EQ(h.d.cfg->ringbuf_bytes, 1 << 20);
	CHECK_EQ(h.d.cfg->pin, 0);
	CHECK_EQ(h.d.cfg->retention_ns, 0);
	CHECK_EQ(h.d.cfg->max_total_bytes, 0);
	CHECK_EQ(kernel_double.fleet.level, EVTAP_LEVEL_COUNTS);
	/* Batching is bounded by the ring in force, half of its 1 MiB, not the file's 64 KiB. */
	CHECK_EQ(kernel_double.fleet.wakeup_bytes, 512 << 10);
	harness_stop(&h);
}

int main(void)
{
	RUN(test_each_setting);
	RUN(test_queued_records_kept);
	RUN(test_bad_file_kept);
	RUN(test_restart_only_reported);
	CHECK_EXIT();
}
