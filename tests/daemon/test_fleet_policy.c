// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtapd's side of the fleet's policy (docs/FLEET.md, "The fleet's policy"), over the kernel
 * layer's double: fleet-policy from the ship user is in force at once (the kernel's fleet
 * variable, the status), the local settings only lower it, anyone else is refused and
 * audited, a bad key is ignored and the rest applied, the policy is kept across a restart and
 * in the kernel before the programs attach, and a failed save says so and changes no file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "fileio.h"
#include "fleet_policy.h"
#include "harness.h"

#define SHIP_UID 65534 /* "nobody", the ship-user of the test configuration */

static struct harness h;
static char answer[1 << 14];
static char files[64];
static char fleet_conf[1024];

/* The fleet's section after the local lines: a file may lower, never raise. */
static int start(const char *local)
{
	char conf[2048];

	snprintf(conf, sizeof(conf), "%s%s", local, fleet_conf);
	return harness_start(&h, conf);
}

#define START(local)                                                                               \
	do {                                                                                       \
		if (start(local)) {                                                                \
			CHECK(0, "the daemon did not start: see its log");                         \
			return;                                                                    \
		}                                                                                  \
	} while (0)

static int call(uid_t caller, const char *line)
{
	return harness_call(&h, caller, line, answer, sizeof(answer));
}

/* The policy as evtap-shipd sends it: settings is the JSON object's inside. */
static int send_policy(uid_t caller, const char *settings)
{
	char line[2048];

	snprintf(line, sizeof(line), "{\"op\":\"fleet-policy\",\"settings\":{%s}}", settings);
	return call(caller, line);
}

static int status_has(const char *text)
{
	return call(HARNESS_ALICE, "{\"op\":\"status\"}") > 0 && strstr(answer, text);
}

#define LEVEL(v, rev)                                                                              \
	"\"level\":{\"value\":\"" v "\",\"revision\":" #rev ",\"time\":1764622000000000000}"

/* From the ship user: in force at once, and the status says where it came from. */
static void test_applied(void)
{
	char audit[1024];

	START("");
	CHECK_EQ(kernel_double.fleet.level, EVTAP_LEVEL_CLASSES);
	CHECK(send_policy(SHIP_UID, LEVEL("counts", 3)) > 0, "no answer");
	CHECK(!strncmp(answer, "{\"ok\":true,\"policy\":", 20), "%s", answer);
	CHECK_EQ(kernel_double.fleet.level, EVTAP_LEVEL_COUNTS);
	CHECK(status_has("\"level\":\"counts\""), "%s", answer);
	CHECK(status_has("\"level\":{\"value\":\"counts\",\"source\":\"fleet\",\"revision\":3,"
			 "\"time\":\"2025-12-01T20:46:40"),
	      "%s", answer);
	CHECK(status_has("\"default-consent\":{\"value\":\"record\",\"source\":\"default\"}"), "%s",
	      answer);
	harness_audit_last(&h, audit, sizeof(audit));
	CHECK(strstr(audit, "\"op\":\"fleet-policy\"") &&
		      strstr(audit, "\"new\":\"level=counts\"") &&
		      strstr(audit, "\"result\":\"ok\""),
	      "%s", audit);
	/* A key gone from the bucket: the local setting again. */
	CHECK(send_policy(SHIP_UID, "") > 0 && strstr(answer, "\"ok\":true"), "%s", answer);
	CHECK_EQ(kernel_double.fleet.level, EVTAP_LEVEL_CLASSES);
	harness_stop(&h);
}

/* Each setting: the lower of the fleet's and the local one; the status says what was lowered. */
static void test_local_only_lowers(void)
{
	START("level = counts\ndefault-consent = skip\ntime-granularity = 1000\n"
	      "retention-days = 7\n");
	CHECK(send_policy(SHIP_UID, LEVEL("full", 1) ",\"default-consent\":{\"value\":\"record\"},"
						     "\"time-granularity\":{\"value\":\"10\"},"
						     "\"retention\":{\"value\":\"30d\"}") > 0);
	CHECK_EQ(kernel_double.fleet.level, EVTAP_LEVEL_COUNTS);
	CHECK_EQ(kernel_double.fleet.default_consent, EVTAP_DEFAULT_SKIP);
	CHECK_EQ(kernel_double.fleet.time_granularity_ns, 1000 * 1000000ULL);
	CHECK(status_has("\"level\":{\"value\":\"counts\",\"source\":\"local\",\"revision\":1"),
	      "%s", answer);
	CHECK(status_has("\"fleet\":\"full\",\"local\":\"counts\",\"lowered\":true"), "%s", answer);
	CHECK(status_has("\"retention\":{\"value\":\"7d\",\"source\":\"local\""), "%s", answer);
	/* The fleet lower still: its values are in force. */
	CHECK(send_policy(SHIP_UID, LEVEL("off", 2) ",\"time-granularity\":{\"value\":\"5000\"},"
						    "\"retention\":{\"value\":\"1d\"}") > 0);
	CHECK_EQ(kernel_double.fleet.level, EVTAP_LEVEL_OFF);
	CHECK_EQ(kernel_double.fleet.time_granularity_ns, 5000 * 1000000ULL);
	CHECK(status_has("\"retention\":{\"value\":\"1d\",\"source\":\"fleet\""), "%s", answer);
	CHECK(status_has("\"recording\":false"), "%s", answer);
	harness_stop(&h);
}

/* A reload puts the lower of the file and the fleet's in force, as at start. */
static void test_reload_keeps_the_fleet_policy(void)
{
	char conf[2048];

	START("");
	CHECK(send_policy(SHIP_UID, LEVEL("counts", 1)) > 0);
	snprintf(conf, sizeof(conf), "level = full\n%s", fleet_conf);
	CHECK_EQ(harness_write_conf(&h, conf), 0);
	daemon_reload_config(&h.d);
	CHECK_EQ(kernel_double.fleet.level, EVTAP_LEVEL_COUNTS);
	snprintf(conf, sizeof(conf), "level = off\n%s", fleet_conf);
	CHECK_EQ(harness_write_conf(&h, conf), 0);
	daemon_reload_config(&h.d);
	CHECK_EQ(kernel_double.fleet.level, EVTAP_LEVEL_OFF);
	harness_stop(&h);
}

/* Root and the people may not speak for the fleet: refused, audited, nothing changed. */
static void test_refused_from_others(void)
{
	static const uid_t callers[] = { 0, HARNESS_ALICE };
	char audit[1024], want[64];

	START("");
	for (size_t i = 0; i < HARNESS_ARRAY_SIZE(callers); i++) {
		uint64_t refused = h.d.stats.requests_refused;

		CHECK(send_policy(callers[i], LEVEL("off", 1)) > 0, "no answer");
		CHECK(strstr(answer, "only evtap-shipd"), "as %u: %s", callers[i], answer);
		CHECK_EQ(h.d.stats.requests_refused, refused + 1);
		harness_audit_last(&h, audit, sizeof(audit));
		snprintf(want, sizeof(want), "\"caller_uid\":%u,", callers[i]);
		CHECK(strstr(audit, want) && strstr(audit, "\"op\":\"fleet-policy\"") &&
			      strstr(audit, "only evtap-shipd"),
		      "%s", audit);
	}
	CHECK_EQ(kernel_double.fleet.level, EVTAP_LEVEL_CLASSES);
	harness_stop(&h);
	/* Outside fleet mode there is no ship user at all. */
	HARNESS_START(&h, HARNESS_NO_INTERVALS);
	CHECK(send_policy(SHIP_UID, LEVEL("off", 1)) > 0 && strstr(answer, "only evtap-shipd"),
	      "%s", answer);
	harness_stop(&h);
}

/* A bad key: said in the log and the audit, it keeps the value before; the rest applies. */
static void test_bad_key_ignored(void)
{
	char audit[1024];

	START("");
	CHECK(send_policy(SHIP_UID, LEVEL("counts", 1)) > 0);
	CHECK(send_policy(SHIP_UID, "\"level\":{\"value\":\"most\"},\"colour\":{\"value\":\"red\"},"
				    "\"default-consent\":{\"value\":\"skip\",\"revision\":2}") > 0);
	CHECK(strstr(answer, "\"ok\":true"), "%s", answer);
	CHECK_EQ(kernel_double.fleet.level, EVTAP_LEVEL_COUNTS);
	CHECK_EQ(kernel_double.fleet.default_consent, EVTAP_DEFAULT_SKIP);
	harness_audit_last(&h, audit, sizeof(audit));
	CHECK(strstr(audit, "\"result\":\"ok, 2 bad keys ignored\""), "%s", audit);
	harness_stop(&h);
}

/* Kept across a restart, and in the kernel before the programs attach. */
static void test_restart_applies_before_attach(void)
{
	char path[160];

	START("");
	CHECK(send_policy(SHIP_UID, LEVEL("counts", 4) ",\"purposes\":{\"value\":\"security:Find "
						       "intrusions\"}") > 0);
	snprintf(path, sizeof(path), "%s/%s", h.cfg.data_dir, FLEET_POLICY_FILE);
	CHECK_EQ(access(path, R_OK), 0);
	CHECK_EQ(harness_restart(&h), 0);
	CHECK(kernel_double.attached, "not attached");
	CHECK_EQ(kernel_double.fleet_at_attach.level, EVTAP_LEVEL_COUNTS);
	CHECK(status_has("\"level\":{\"value\":\"counts\",\"source\":\"fleet\",\"revision\":4"),
	      "%s", answer);
	CHECK(status_has("\"purposes\":{\"value\":[{\"name\":\"security\",\"description\":\"Find "
			 "intrusions\"}],\"source\":\"fleet\""),
	      "%s", answer);
	harness_stop(&h);
}

/* A file that is not a policy: logged, the local settings in force, the daemon starts. */
static void test_damaged_file(void)
{
	char path[160];
	FILE *f;

	START("");
	CHECK(send_policy(SHIP_UID, LEVEL("counts", 1)) > 0);
	snprintf(path, sizeof(path), "%s/%s", h.cfg.data_dir, FLEET_POLICY_FILE);
	f = fopen(path, "we");
	CHECK(f != NULL);
	if (f) {
		fputs("{\"received\":", f);
		fclose(f);
	}
	CHECK_EQ(harness_restart(&h), 0);
	CHECK_EQ(kernel_double.fleet_at_attach.level, EVTAP_LEVEL_CLASSES);
	harness_stop(&h);
}

static int fail_fsync(int fd)
{
	errno = EIO;
	return -1;
}

/* The save fails: in force all the same, the answer and the audit say it, the file is the old. */
static void test_save_fails(void)
{
	int (*real_fsync)(int) = fileio.fsync;
	char audit[1024];

	START("");
	CHECK(send_policy(SHIP_UID, LEVEL("counts", 1)) > 0);
	fileio.fsync = fail_fsync;
	CHECK(send_policy(SHIP_UID, LEVEL("off", 2)) > 0, "no answer");
	fileio.fsync = real_fsync;
	CHECK(strstr(answer, "applied, but could not be saved"), "%s", answer);
	CHECK_EQ(kernel_double.fleet.level, EVTAP_LEVEL_OFF);
	harness_audit_last(&h, audit, sizeof(audit));
	CHECK(strstr(audit, "\"op\":\"fleet-policy\"") &&
		      strstr(audit, "\"result\":\"Input/output error\""),
	      "%s", audit);
	CHECK_EQ(harness_restart(&h), 0);
	CHECK_EQ(kernel_double.fleet_at_attach.level, EVTAP_LEVEL_COUNTS);
	/* Sent again (the shipper tries again), it is saved. */
	CHECK(send_policy(SHIP_UID, LEVEL("off", 2)) > 0 && strstr(answer, "\"ok\":true"), "%s",
	      answer);
	CHECK_EQ(harness_restart(&h), 0);
	CHECK_EQ(kernel_double.fleet_at_attach.level, EVTAP_LEVEL_OFF);
	harness_stop(&h);
}

int main(void)
{
	char cmd[128];

	if (geteuid()) {
		printf("FAIL test_fleet_policy: must run as root, to call as other uids\n");
		return 1;
	}
	if (harness_fleet_files(files, fleet_conf, sizeof(fleet_conf))) {
		printf("FAIL test_fleet_policy: cannot write the [fleet] files\n");
		return 1;
	}
	RUN(test_applied);
	RUN(test_local_only_lowers);
	RUN(test_reload_keeps_the_fleet_policy);
	RUN(test_refused_from_others);
	RUN(test_bad_key_ignored);
	RUN(test_restart_applies_before_attach);
	RUN(test_damaged_file);
	RUN(test_save_fails);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", files);
	if (system(cmd))
		printf("  cannot remove %s\n", files);
	CHECK_EXIT();
}
