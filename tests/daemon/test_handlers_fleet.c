// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtapd's side of consent following the person (docs/FLEET.md), over the kernel layer's
 * double: fleet-consent and fleet-forget are taken from the ship user alone (anyone else is
 * refused and audited); a fleet choice is applied as a local one (kernel map before the answer,
 * buffered data discarded) unless the choice here is newer; local changes and forgets go to the
 * outbox and the fleet's do not; forget-status reads the shipper's receipts.
 */
#include <dirent.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "clock.h"
#include "harness.h"
#include "version.h"

#define SHIP_UID 65534 /* "nobody", the ship-user of the test configuration */
#define NS	 1000000000LL

static struct harness h;
static char answer[1 << 14];
static char files[64]; /* the [fleet] section's files, made once */
static char conf[1024];

/* A [fleet] section that no test connects with: evtapd itself has no network. */
static int make_fleet_files(void)
{
	return harness_fleet_files(files, conf, sizeof(conf));
}

/* Sends line as caller, the consent map watched; -1 when unanswered. */
static int call(uid_t caller, const char *line)
{
	return harness_call(&h, caller, line, answer, sizeof(answer));
}

/* The fleet's choice for alice, as evtap-shipd sends it. */
static int fleet_consent(uid_t caller, int opted_out, int64_t changed)
{
	char line[256];

	snprintf(line, sizeof(line),
		 "{\"op\":\"fleet-consent\",\"uid\":%u,\"opted_out\":%s,\"level\":\"full\","
		 "\"paused_until\":0,\"changed\":%lld}",
		 HARNESS_ALICE, opted_out ? "true" : "false", (long long)changed);
	return call(caller, line);
}

static int start(void)
{
	if (harness_start(&h, conf))
		return -1;
	harness_watch_consent();
	return 0;
}

#define START()                                                                                    \
	do {                                                                                       \
		if (start()) {                                                                     \
			CHECK(0, "the daemon did not start: see its log");                         \
			return;                                                                    \
		}                                                                                  \
	} while (0)

static int alice_opted_out(void)
{
	const struct double_consent *k = &kernel_double.consent[HARNESS_ALICE];

	return k->present && k->c.opted_out;
}

/* The outbox's records of one kind ("consent", "forget"). */
static int outbox_count(const char *kind)
{
	char path[160];
	struct dirent *e;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "%s/fleet-outbox", h.cfg.data_dir);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((e = readdir(dir))) {
		const char *dot = strrchr(e->d_name, '.');
		n += dot && !strcmp(dot + 1, kind);
	}
	closedir(dir);
	return n;
}

/* From the ship user, applied at once: the map before the answer, the source in the status. */
static void test_applied_from_ship_user(void)
{
	int64_t changed = clock_wall_ns() - 5 * NS;
	char audit[1024];

	START();
	CHECK(fleet_consent(SHIP_UID, 1, changed) > 0, "no answer");
	CHECK(strstr(answer, "\"applied\":true") && strstr(answer, "\"opted_out\":true"), "%s",
	      answer);
	CHECK(alice_opted_out(), "kernel map unchanged");
	CHECK(harness_watch.changes > 0 && !harness_watch.answered_first,
	      "answered before the map");
	CHECK(harness_call(&h, HARNESS_ALICE, "{\"op\":\"status\"}", answer, sizeof(answer)) > 0);
	CHECK(strstr(answer, "\"source\":\"fleet\"") && strstr(answer, "\"source_time\":\""), "%s",
	      answer);
	harness_audit_last(&h, audit, sizeof(audit));
	CHECK(strstr(audit, "\"op\":\"fleet-consent\"") && strstr(audit, "\"result\":\"ok\""), "%s",
	      audit);
	CHECK_EQ(outbox_count("consent"), 0); /* the fleet's own choice is not sent back */
	harness_stop(&h);
}

/* Root, alice and bob may not speak for the fleet: refused, audited, the map untouched. */
static void test_refused_from_others(void)
{
	static const uid_t callers[] = { 0, HARNESS_ALICE, HARNESS_BOB };
	char audit[1024], want[64];

	START();
	for (size_t i = 0; i < HARNESS_ARRAY_SIZE(callers); i++) {
		uint64_t refused = h.d.stats.requests_refused;
		int updates = kernel_double.consent_updates;

		CHECK(fleet_consent(callers[i], 1, clock_wall_ns()) > 0, "no answer");
		CHECK(strstr(answer, "only evtap-shipd"), "as %u: %s", callers[i], answer);
		CHECK_EQ(h.d.stats.requests_refused, refused + 1);
		CHECK_EQ(kernel_double.consent_updates, updates);
		harness_audit_last(&h, audit, sizeof(audit));
		snprintf(want, sizeof(want), "\"caller_uid\":%u,", callers[i]);
		CHECK(strstr(audit, want) && strstr(audit, "\"op\":\"fleet-consent\"") &&
			      !strstr(audit, "\"result\":\"ok\""),
		      "%s", audit);
		CHECK(call(callers[i], "{\"op\":\"fleet-forget\",\"uid\":1000}") > 0);
		CHECK(strstr(answer, "only evtap-shipd"), "as %u: %s", callers[i], answer);
	}
	CHECK(!alice_opted_out(), "a refused request changed the map");
	harness_stop(&h);
}

/* Outside fleet mode there is no ship user: even nobody's request is refused. */
static void test_refused_outside_fleet_mode(void)
{
	HARNESS_START(&h, HARNESS_NO_INTERVALS);
	CHECK(fleet_consent(SHIP_UID, 1, clock_wall_ns()) > 0, "no answer");
	CHECK(strstr(answer, "only evtap-shipd"), "%s", answer);
	harness_stop(&h);
}

/* The latest choice wins; an opt-in older than (or as old as) an opt-out never undoes it. */
static void test_conflict_rule(void)
{
	int64_t t;

	START();
	CHECK(harness_call(&h, HARNESS_ALICE, "{\"op\":\"opt-out\"}", answer, sizeof(answer)) > 0);
	t = consent_get(h.d.consent, HARNESS_ALICE)->changed_wall;
	CHECK(t > 0, "a local change is not dated");
	CHECK(fleet_consent(SHIP_UID, 0, t - NS) > 0 && strstr(answer, "\"applied\":false"), "%s",
	      answer);
	CHECK(alice_opted_out(), "an older opt-in undid the opt-out");
	CHECK(fleet_consent(SHIP_UID, 0, t) > 0 && strstr(answer, "\"applied\":false"), "%s",
	      answer);
	CHECK(alice_opted_out(), "an opt-in as old as the opt-out undid it");
	CHECK(fleet_consent(SHIP_UID, 0, t + NS) > 0 && strstr(answer, "\"applied\":true"), "%s",
	      answer);
	CHECK(!alice_opted_out(), "the newer opt-in was not applied");
	/* The other way: a local opt-in newer than the fleet's opt-out stands. */
	CHECK(harness_call(&h, HARNESS_ALICE, "{\"op\":\"opt-in\"}", answer, sizeof(answer)) > 0);
	t = consent_get(h.d.consent, HARNESS_ALICE)->changed_wall;
	CHECK(fleet_consent(SHIP_UID, 1, t - 1) > 0, "no answer");
	CHECK(strstr(answer, "\"applied\":false"), "%s", answer);
	CHECK(!alice_opted_out(), "an older opt-out undid a newer opt-in");
	harness_stop(&h);
}

/* A fleet opt-out discards what is buffered for alice, as a local one does. */
static void test_fleet_opt_out_discards_buffered(void)
{
	struct evtap_record recs[8];

	START();
	for (int i = 0; i < 3; i++)
		harness_push(HARNESS_ALICE, EVTAP_KIND_KEYCLASS, EVTAP_CLASS_LETTER, 1);
	harness_push(HARNESS_BOB, EVTAP_KIND_KEYCLASS, EVTAP_CLASS_DIGIT, 1);
	daemon_periodic_work(&h.d);
	CHECK(fleet_consent(SHIP_UID, 1, clock_wall_ns()) > 0, "no answer");
	CHECK_EQ(harness_read_user(&h, HARNESS_ALICE, recs, 8), 0);
	CHECK_EQ(harness_read_user(&h, HARNESS_BOB, recs, 8), 1);
	CHECK_EQ(store_stats(h.d.store)->unpersisted[STORE_LOSS_DISCARDED], 3);
	harness_stop(&h);
}

/* Survives a restart: the file keeps the time and the source. */
static void test_source_persists(void)
{
	int64_t changed = clock_wall_ns() - NS;
	const struct consent_user *u;
	struct consent *c;
	char path[160], err[256];

	START();
	CHECK(fleet_consent(SHIP_UID, 1, changed) > 0, "no answer");
	snprintf(path, sizeof(path), "%s/consent.conf", h.cfg.data_dir);
	CHECK(!consent_load(&c, path, err, sizeof(err)), "%s", err);
	u = consent_get(c, HARNESS_ALICE);
	CHECK(u && u->from_fleet && u->changed_wall == changed && u->opted_out);
	consent_free(c);
	harness_stop(&h);
}

/* Local changes and forgets reach the outbox, dated, with no event content. */
static void test_outbox(void)
{
	struct evtap_record recs[8];

	START();
	CHECK(harness_call(&h, HARNESS_ALICE, "{\"op\":\"opt-out\"}", answer, sizeof(answer)) > 0);
	CHECK(harness_call(&h, HARNESS_ALICE, "{\"op\":\"level\",\"level\":\"counts\"}", answer,
			   sizeof(answer)) > 0);
	CHECK_EQ(outbox_count("consent"), 2);
	harness_push(HARNESS_BOB, EVTAP_KIND_KEYCLASS, EVTAP_CLASS_DIGIT, 1);
	daemon_periodic_work(&h.d);
	CHECK(harness_call(&h, HARNESS_BOB, "{\"op\":\"forget\"}", answer, sizeof(answer)) > 0);
	CHECK(!strcmp(answer, "{\"ok\":true}\n"), "%s", answer);
	CHECK_EQ(outbox_count("forget"), 1);
	CHECK_EQ(harness_read_user(&h, HARNESS_BOB, recs, 8), 0);
	harness_stop(&h);
}

/* The outbox's one consent record, whole, into buf. */
static int outbox_consent_text(char *buf, size_t len)
{
	char path[512], cmd[600];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/fleet-outbox", h.cfg.data_dir);
	snprintf(cmd, sizeof(cmd), "cat '%s'/*.consent", path);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	return pclose(f) ? -1 : 0;
}

/*
 * A purpose excluded: recording goes on here, the choice is saved and dated, reaches the
 * outbox as the list; opt-in --purpose takes it back; the fleet's list is applied as a whole.
 */
static void test_purposes(void)
{
	const struct consent_user *u;
	struct consent *c;
	char path[160], err[256], text[1024];

	START();
	CHECK(call(HARNESS_ALICE, "{\"op\":\"opt-out\",\"purpose\":\"ai-training\"}") > 0);
	CHECK(call(HARNESS_ALICE, "{\"op\":\"opt-out\",\"purpose\":\"security\"}") > 0);
	CHECK(!alice_opted_out(), "excluding a purpose opted out of recording");
	CHECK(call(HARNESS_ALICE, "{\"op\":\"status\"}") > 0);
	CHECK(strstr(answer, "\"excluded_purposes\":\"ai-training,security\""), "%s", answer);
	CHECK(!outbox_consent_text(text, sizeof(text)) &&
		      strstr(text, "\"excluded_purposes\":\"ai-training\"") &&
		      strstr(text, "\"excluded_purposes\":\"ai-training,security\""),
	      "%s", text);
	CHECK(call(HARNESS_ALICE, "{\"op\":\"opt-in\",\"purpose\":\"ai-training\"}") > 0);
	snprintf(path, sizeof(path), "%s/consent.conf", h.cfg.data_dir);
	CHECK(!consent_load(&c, path, err, sizeof(err)), "%s", err);
	u = consent_get(c, HARNESS_ALICE);
	CHECK(u && !strcmp(u->excluded, "security") && !u->opted_out, "%s", u ? u->excluded : "");
	consent_free(c);
	CHECK(call(HARNESS_ALICE, "{\"op\":\"opt-out\",\"purpose\":\"Bad.Name\"}") > 0);
	CHECK(strstr(answer, "field \\\"purpose\\\": expected"), "%s", answer);
	CHECK(call(SHIP_UID, "{\"op\":\"fleet-consent\",\"uid\":1000,\"opted_out\":false,"
			     "\"level\":\"full\",\"paused_until\":0,\"changed\":"
			     "9000000000000000000,\"excluded_purposes\":\"research\"}") > 0);
	CHECK(strstr(answer, "\"applied\":true") &&
		      strstr(answer, "\"excluded_purposes\":\"research\""),
	      "%s", answer);
	harness_stop(&h);
}

/* The fleet's forget shreds here as a local one does, and is not sent back. */
/*
 * fleet-health: the ship user gets the counters summed over users (no uid, no name) and the
 * version; anyone else, root included, is refused and audited.
 */
static void test_fleet_health(void)
{
	static const uid_t others[] = { 0, HARNESS_ALICE };
	char audit[1024];

	START();
	harness_push(HARNESS_ALICE, EVTAP_KIND_KEYCLASS, EVTAP_CLASS_LETTER, 1);
	harness_push(HARNESS_BOB, EVTAP_KIND_KEYCLASS, EVTAP_CLASS_DIGIT, 1);
	daemon_periodic_work(&h.d);
	store_flush(h.d.store);
	CHECK(call(SHIP_UID, "{\"op\":\"fleet-health\"}") > 0);
	CHECK(!strncmp(answer, "{\"ok\":true,", 11) && strstr(answer, "\"kernel_path\":{") &&
		      strstr(answer, "\"records_persisted\":2") &&
		      strstr(answer, "\"version\":\"" EVTAP_VERSION "\""),
	      "%s", answer);
	CHECK(!strstr(answer, "1000") && !strstr(answer, "1001") && !strstr(answer, "uid") &&
		      !strstr(answer, "nobody"),
	      "%s", answer);
	for (size_t i = 0; i < HARNESS_ARRAY_SIZE(others); i++) {
		uint64_t refused = h.d.stats.requests_refused;

		CHECK(call(others[i], "{\"op\":\"fleet-health\"}") > 0);
		CHECK(strstr(answer, "only evtap-shipd"), "as %u: %s", others[i], answer);
		CHECK_EQ(h.d.stats.requests_refused, refused + 1);
		harness_audit_last(&h, audit, sizeof(audit));
		CHECK(strstr(audit, "\"op\":\"fleet-health\"") &&
			      !strstr(audit, "\"result\":\"ok\""),
		      "%s", audit);
	}
	harness_stop(&h);
}

static void test_fleet_forget(void)
{
	struct evtap_record recs[8];

	START();
	harness_push(HARNESS_ALICE, EVTAP_KIND_KEYCLASS, EVTAP_CLASS_LETTER, 1);
	harness_push(HARNESS_BOB, EVTAP_KIND_KEYCLASS, EVTAP_CLASS_DIGIT, 1);
	daemon_periodic_work(&h.d);
	store_flush(h.d.store);
	CHECK(call(SHIP_UID, "{\"op\":\"fleet-forget\",\"uid\":1000}") > 0);
	CHECK(!strcmp(answer, "{\"ok\":true}\n"), "%s", answer);
	CHECK_EQ(harness_read_user(&h, HARNESS_ALICE, recs, 8), 0);
	CHECK_EQ(harness_read_user(&h, HARNESS_BOB, recs, 8), 1);
	CHECK_EQ(outbox_count("forget"), 0);
	harness_stop(&h);
}

/* forget --status: the caller's receipts from the shipper's file, nobody else's. */
static void test_forget_status(void)
{
	static const char receipts[] =
		"{\"users\":{\"1000\":{\"requested_at\":\"2026-12-01T10:00:00Z\",\"receipts\":"
		"[{\"machine\":\"aaaa\",\"what\":\"local-shred\",\"time\":\"2026-12-01T10:00:01Z\"}"
		"],"
		"\"purged\":true}}}";

	CHECK(!harness_write_file(files, "forget-receipts.json", receipts, sizeof(receipts) - 1));
	START();
	CHECK(harness_call(&h, HARNESS_ALICE, "{\"op\":\"forget-status\"}", answer,
			   sizeof(answer)) > 0);
	CHECK(!strncmp(answer, "{\"ok\":true,", 11) && strstr(answer, "\"requested\":true") &&
		      strstr(answer, "\"purged\":true") && strstr(answer, "\"local-shred\""),
	      "%s", answer);
	CHECK(harness_call(&h, HARNESS_BOB, "{\"op\":\"forget-status\"}", answer, sizeof(answer)) >
	      0);
	CHECK(strstr(answer, "\"requested\":false") && !strstr(answer, "local-shred"), "%s",
	      answer);
	CHECK(harness_call(&h, HARNESS_BOB, "{\"op\":\"forget-status\",\"uid\":1000}", answer,
			   sizeof(answer)) > 0);
	CHECK(strstr(answer, "permission denied"), "%s", answer);
	harness_stop(&h);
}

/*
 * access-log: the caller's entries of the shipper's mirror, nobody else's, streamed with a
 * trailer; a line still being written (no newline yet) is not shown.
 */
#define ACCESS_LINE(seq, uid, outcome)                                                             \
	"{\"seq\":" #seq ",\"uid\":" #uid                                                          \
	",\"time\":1764622000000000000,\"pipeline\":\"pipeline\","                                 \
	"\"purpose\":\"ai-training\",\"host\":\"aaaa\",\"segments\":[0]," outcome "}\n"

static void test_access_log(void)
{
	static const char *const lines[] = {
		ACCESS_LINE(1, 1000, "\"released\":true,\"level\":\"full\""),
		ACCESS_LINE(2, 1001, "\"released\":false,\"why\":\"opted out\""),
		ACCESS_LINE(3, 1000, "\"released\":false,\"why\":\"purpose excluded\""),
		"{\"seq\":4,\"uid\":1000,\"time\":1", /* being written */
	};
	char mirror[2048] = "";

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		strcat(mirror, lines[i]);
	CHECK(!harness_write_file(files, "access-log.jsonl", mirror, strlen(mirror)));
	START();
	CHECK(call(HARNESS_ALICE, "{\"op\":\"access-log\"}") > 0);
	CHECK(!strcmp(answer, "{\"ok\":true}\n"
			      "{\"time\":\"2025-12-01T20:46:40.000000Z\",\"pipeline\":\"pipeline\","
			      "\"purpose\":\"ai-training\",\"host\":\"aaaa\",\"segments\":[0],"
			      "\"released\":true,\"level\":\"full\"}\n"
			      "{\"time\":\"2025-12-01T20:46:40.000000Z\",\"pipeline\":\"pipeline\","
			      "\"purpose\":\"ai-training\",\"host\":\"aaaa\",\"segments\":[0],"
			      "\"released\":false,\"why\":\"purpose excluded\"}\n"
			      "{\"trailer\":{\"entries\":2,\"complete\":true}}\n"),
	      "%s", answer);
	CHECK(call(HARNESS_BOB, "{\"op\":\"access-log\"}") > 0);
	CHECK(strstr(answer, "\"why\":\"opted out\"") && !strstr(answer, "purpose excluded") &&
		      strstr(answer, "\"entries\":1,"),
	      "%s", answer);
	CHECK(call(HARNESS_BOB, "{\"op\":\"access-log\",\"uid\":1000}") > 0);
	CHECK(strstr(answer, "permission denied"), "%s", answer);
	CHECK(call(0, "{\"op\":\"access-log\",\"uid\":1000}") > 0);
	CHECK(strstr(answer, "purpose excluded") && strstr(answer, "\"entries\":2,"), "%s", answer);
	harness_stop(&h);
}

/* Outside a fleet there is none; before the shipper stored a record, the trailer says so. */
static void test_access_log_none(void)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/access-log.jsonl", files);
	unlink(path);
	START();
	CHECK(call(HARNESS_ALICE, "{\"op\":\"access-log\"}") > 0);
	CHECK(strstr(answer, "\"entries\":0,\"complete\":true,\"why\":\"none yet"), "%s", answer);
	harness_stop(&h);
	HARNESS_START(&h, HARNESS_NO_INTERVALS);
	CHECK(call(HARNESS_ALICE, "{\"op\":\"access-log\"}") > 0);
	CHECK(strstr(answer, "\"ok\":false") && strstr(answer, "not in a fleet"), "%s", answer);
	harness_stop(&h);
}

int main(void)
{
	char cmd[128];

	if (geteuid()) {
		printf("FAIL test_handlers_fleet: must run as root, to call as other uids\n");
		return 1;
	}
	if (make_fleet_files()) {
		printf("FAIL test_handlers_fleet: cannot write the [fleet] files\n");
		return 1;
	}
	RUN(test_applied_from_ship_user);
	RUN(test_refused_from_others);
	RUN(test_refused_outside_fleet_mode);
	RUN(test_conflict_rule);
	RUN(test_fleet_opt_out_discards_buffered);
	RUN(test_source_persists);
	RUN(test_outbox);
	RUN(test_fleet_forget);
	RUN(test_fleet_health);
	RUN(test_purposes);
	RUN(test_forget_status);
	RUN(test_access_log);
	RUN(test_access_log_none);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", files);
	if (system(cmd))
		printf("  cannot remove %s\n", files);
	CHECK_EXIT();
}
