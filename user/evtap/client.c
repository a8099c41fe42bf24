// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "client.h"
#include "purposes.h"

/* The line that ends an export's body, whatever its format: docs/PROTOCOL.md. */
#define TRAILER_PREFIX "{\"trailer\":"

static int connect_socket(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

static int get_bool(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

/* Where a setting in force came from, as a person reads it. */
static void print_setting(const char *key, json_object *s)
{
	const char *source = get_str(s, "source"), *fleet = get_str(s, "fleet");
	const char *unit = strcmp(key, "time-granularity") ? "" : " ms";
	char value[64];

	snprintf(value, sizeof(value), "%s%s", get_str(s, "value"), unit);
	printf("  %-17s %-8s ", key, value);
	if (!strcmp(source, "fleet"))
		printf("the fleet's (evtap-policy revision %s, %s)", get_str(s, "revision"),
		       get_str(s, "time"));
	else if (!strcmp(source, "local"))
		printf("this machine's evtap.conf");
	else
		printf("evtapd's default");
	if (get_bool(s, "lowered"))
		printf(": lowers the fleet's %s%s", fleet, unit);
	putchar('\n');
}

/* The policy in force, setting by setting; purposes are for `evtap purposes`. */
static void print_policy(json_object *o)
{
	static const char *const keys[] = { "level", "default-consent", "time-granularity",
					    "retention" };
	json_object *p, *s;

	if (!json_object_object_get_ex(o, "policy", &p))
		return;
	if (get_str(p, "received"))
		printf("Policy in force (the fleet's, received %s, lowered by this machine's "
		       "settings where they are lower):\n",
		       get_str(p, "received"));
	else
		printf("Policy in force (this machine's; no fleet policy received):\n");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_object_get_ex(p, keys[i], &s))
			print_setting(keys[i], s);
}

static void print_status(json_object *o)
{
	const char *why = get_str(o, "why_not"), *until = get_str(o, "paused_until");
	const char *user_level = get_str(o, "user_level"), *source = get_str(o, "source");
	const char *excluded = get_str(o, "excluded_purposes");

	if (get_bool(o, "recording"))
		printf("Your input is being recorded now, at level %s.\n", get_str(o, "level"));
	else
		printf("Your input is NOT being recorded now: %s.\n", why ? why : "level off");
	printf("Fleet level: %s; your own ceiling: %s%s.\n", get_str(o, "fleet_level"),
	       user_level ? user_level : "none chosen",
	       get_bool(o, "opted_out") ? " (opted out)" : "");
	if (until)
		printf("Paused until %s.\n", until);
	if (excluded && *excluded)
		printf("Purposes the fleet may not use your data for: %s.\n", excluded);
	if (source && !strcmp(source, "fleet"))
		printf("This choice came from another machine of the fleet (made %s).\n",
		       get_str(o, "source_time"));
	print_policy(o);
	if (get_bool(o, "opted_out"))
		printf("To be recorded again: evtap opt-in\n");
	else
		printf("To stop: evtap opt-out (or evtap pause 15m, or evtap level counts)\n");
}

/* Each machine's receipt, then whether the stream's copies are purged. */
static void print_forget_status(json_object *o)
{
	json_object *list;

	if (!get_bool(o, "requested")) {
		printf("No forget of your data is known to the fleet.\n");
		return;
	}
	printf("Forget asked at %s.\n", get_str(o, "requested_at"));
	if (json_object_object_get_ex(o, "receipts", &list))
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			json_object *r = json_object_array_get_idx(list, i);
			printf("  %-34s %-12s %s\n", get_str(r, "machine"), get_str(r, "what"),
			       get_str(r, "time"));
		}
	printf("Stream purge: %s.\n", get_bool(o, "purged") ? "done" : "not yet");
}

static void print_flat(json_object *o, const char *prefix)
{
	json_object_object_foreach(o, key, val)
	{
		char name[256];

		snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "", key);
		if (json_object_is_type(val, json_type_object))
			print_flat(val, name);
		else if (strcmp(key, "ok"))
			printf("%s %s\n", name, json_object_get_string(val));
	}
}

/* Fleet mode: the shipper's state; root gets every field, a person the host's and their own. */
static void print_shipping(json_object *o)
{
	const char *state, *why;
	json_object *sh, *you;

	if (!json_object_object_get_ex(o, "shipping", &sh))
		return;
	state = get_str(sh, "state");
	why = get_str(sh, "why");
	if (state && !strcmp(state, "unknown")) {
		printf("Shipping: unknown (%s).\n", why ? why : "no status");
		return;
	}
	printf("Shipping: %s at %s; %s bytes of this machine not yet shipped.\n",
	       get_bool(sh, "connected") ? "connected" : "NOT connected", get_str(sh, "updated"),
	       get_str(sh, "backlog_bytes"));
	if (json_object_object_get_ex(sh, "you", &you) &&
	    json_object_is_type(you, json_type_object))
		printf("Your data: %s blocks shipped, %s bytes waiting.\n",
		       get_str(you, "shipped_blocks"), get_str(you, "backlog_bytes"));
	else if (json_object_object_get_ex(sh, "users", &you))
		print_flat(sh, "shipping");
}

static void print_devices(json_object *o)
{
	json_object *list;

	if (!json_object_object_get_ex(o, "devices", &list))
		return;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *d = json_object_array_get_idx(list, i);
		printf("input%-4s %-9s %s\n", get_str(d, "index"), get_str(d, "class"),
		       get_str(d, "name"));
	}
}

/* One exported JSON line as a person reads it. */
static void print_text_record(const char *line)
{
	json_object *r = json_tokener_parse(line);
	const char *kind;

	if (!r)
		return;
	kind = get_str(r, "kind");
	printf("%s  uid %-5s %-10s", get_str(r, "ts"), get_str(r, "uid"), kind);
	if (!strcmp(kind, "key") || !strcmp(kind, "button")) {
		const char *v = get_str(r, "value");
		printf(" %-14s %-8s", get_str(r, "name"),
		       !strcmp(v, "1")	 ? "press"
		       : !strcmp(v, "0") ? "release"
					 : "repeat");
	} else if (!strcmp(kind, "motion")) {
		printf(" dx %-5s dy %-5s   ", get_str(r, "dx"), get_str(r, "dy"));
	} else if (!strcmp(kind, "wheel")) {
		printf(" %-23s", get_str(r, "value"));
	} else if (!strcmp(kind, "keyclass")) {
		printf(" %-14s %-8s", get_str(r, "class"),
		       !strcmp(get_str(r, "value"), "1") ? "press" : "release");
	}
	if (get_str(r, "device"))
		printf(" on %s", get_str(r, "device"));
	putchar('\n');
	json_object_put(r);
}

static int stream_body(FILE *in)
{
	char line[8192];

	while (fgets(line, sizeof(line), in))
		fputs(line, stdout);
	return ferror(in) || fflush(stdout) ? 1 : 0;
}

static int64_t get_int(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : -1;
}

/*
 * An export is whole only if its trailer came last, said complete, and counted no skipped block
 * (and, one line per record, as many records as arrived). Anything else exits 4, so that a
 * script never takes a partial export for a whole one.
 */
static int check_trailer(json_object *trailer, int64_t lines, bool line_per_record)
{
	json_object *t;
	int64_t records, skipped;

	if (!trailer || !json_object_object_get_ex(trailer, "trailer", &t)) {
		fprintf(stderr, "evtap: the export was cut short (it has no trailer): the records "
				"printed may not be all of them\n");
		return EXIT_EXPORT_INCOMPLETE;
	}
	records = get_int(t, "records");
	skipped = get_int(t, "skipped_blocks");
	if (!get_bool(t, "complete")) {
		fprintf(stderr,
			"evtap: the export is incomplete: evtapd could not read it all: %s\n",
			get_str(t, "error"));
		return EXIT_EXPORT_INCOMPLETE;
	}
	if (skipped) {
		fprintf(stderr,
			"evtap: the export is incomplete: %lld damaged or unreadable blocks were "
			"skipped (evtapd's log says where)\n",
			(long long)skipped);
		return EXIT_EXPORT_INCOMPLETE;
	}
	if (line_per_record && lines != records) {
		fprintf(stderr, "evtap: the export was cut short: %lld of %lld records arrived\n",
			(long long)lines, (long long)records);
		return EXIT_EXPORT_INCOMPLETE;
	}
	return 0;
}

/* The records are printed; the trailer, their last line, is checked instead. */
static int stream_export(FILE *in, const char *format)
{
	bool text = !strcmp(format, "text"), after_trailer = false;
	json_object *trailer = NULL;
	char line[8192];
	int64_t lines = 0;
	int ret;

	while (fgets(line, sizeof(line), in)) {
		if (trailer) {
			after_trailer = true;
		} else if (!strncmp(line, TRAILER_PREFIX, strlen(TRAILER_PREFIX))) {
			trailer = json_tokener_parse(line);
		} else {
			lines++;
			if (text)
				print_text_record(line);
			else
				fputs(line, stdout);
		}
	}
	if (ferror(in) || fflush(stdout))
		ret = 1;
	else
		ret = check_trailer(after_trailer ? NULL : trailer, lines, strcmp(format, "csv"));
	json_object_put(trailer);
	return ret;
}

/* One access-log entry as a row: when, who, for what, which machine's data, what happened. */
static void print_access_row(json_object *e)
{
	json_object *segs;
	char list[64] = "", result[96];
	size_t n = 0;

	if (json_object_object_get_ex(e, "segments", &segs))
		for (size_t i = 0; i < json_object_array_length(segs) && n < sizeof(list); i++)
			n += (size_t)snprintf(
				list + n, sizeof(list) - n, "%s%s", i ? "," : "",
				json_object_get_string(json_object_array_get_idx(segs, i)));
	if (get_bool(e, "released"))
		snprintf(result, sizeof(result), "released at %s", get_str(e, "level"));
	else
		snprintf(result, sizeof(result), "REFUSED: %s", get_str(e, "why"));
	printf("%-30s %-12s %-14s %-32s %-9s %s\n", get_str(e, "time"), get_str(e, "pipeline"),
	       *get_str(e, "purpose") ? get_str(e, "purpose") : "-", get_str(e, "host"),
	       *list ? list : "-", result);
}

/*
 * The entries, as JSON lines (raw) or a table, then the trailer checked: a log cut short exits
 * EXIT_EXPORT_INCOMPLETE, as an export does.
 */
static int stream_access_log(FILE *in, int raw)
{
	json_object *trailer = NULL, *t = NULL, *e;
	char line[8192];
	int64_t lines = 0;

	while (fgets(line, sizeof(line), in)) {
		if (!strncmp(line, TRAILER_PREFIX, strlen(TRAILER_PREFIX))) {
			trailer = json_tokener_parse(line);
			break;
		}
		if (!lines++ && !raw)
			printf("%-30s %-12s %-14s %-32s %-9s %s\n", "WHEN", "PIPELINE", "PURPOSE",
			       "MACHINE (DATA OF)", "SEGMENTS", "RESULT");
		if (raw) {
			fputs(line, stdout);
		} else if ((e = json_tokener_parse(line))) {
			print_access_row(e);
			json_object_put(e);
		}
	}
	if (!trailer || !json_object_object_get_ex(trailer, "trailer", &t) ||
	    get_int(t, "entries") != lines || !get_bool(t, "complete")) {
		fprintf(stderr, "evtap: the access log is incomplete: %s\n",
			trailer ? get_str(t, "error") ?: "entries missing" : "it was cut short");
		json_object_put(trailer);
		return EXIT_EXPORT_INCOMPLETE;
	}
	if (!lines && !raw)
		printf("No release or refusal of your data is recorded%s%s.\n",
		       get_str(t, "why") ? ": " : "", get_str(t, "why") ?: "");
	json_object_put(trailer);
	return fflush(stdout) ? 1 : 0;
}

/* The fleet's purposes, as the policy in force declares them: an array, or NULL. */
static json_object *declared_purposes(json_object *o)
{
	json_object *p, *s, *list;

	if (!json_object_object_get_ex(o, "policy", &p) ||
	    !json_object_object_get_ex(p, "purposes", &s) ||
	    !json_object_object_get_ex(s, "value", &list) ||
	    !json_object_is_type(list, json_type_array))
		return NULL;
	return list;
}

/* What the fleet declares, with its words, then what the person excluded of it. */
static void print_purposes(json_object *o)
{
	const char *excluded = get_str(o, "excluded_purposes");
	json_object *list = declared_purposes(o);
	size_t n = list ? json_object_array_length(list) : 0;

	if (!n)
		printf("The fleet declares no purpose for its data (or this machine has not "
		       "heard its policy yet).\n");
	else
		printf("The fleet declares these purposes for its data:\n");
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(list, i);
		const char *name = get_str(p, "name"), *description = get_str(p, "description");

		printf("  %-20s %s%s\n", name, *description ? description : "(no description)",
		       purposes_has(excluded ? excluded : "", name) ? "  [you excluded it]" : "");
	}
	if (!excluded || !*excluded) {
		printf("You excluded no purpose: the fleet may use your data for each purpose it "
		       "declares.\n");
		printf("To exclude one: evtap opt-out --purpose NAME\n");
		return;
	}
	printf("The fleet may not use your data for: %s.\n", excluded);
	printf("To allow one again: evtap opt-in --purpose NAME\n");
}

static int print_answer(const char *command, json_object *o, FILE *in, const char *format,
			int raw_json)
{
	if (!strcmp(command, "export"))
		return stream_export(in, format);
	if (!strcmp(command, "audit"))
		return stream_body(in);
	if (!strcmp(command, "access-log"))
		return stream_access_log(in, raw_json);
	if (raw_json)
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	else if (!strcmp(command, "stats"))
		print_flat(o, "");
	else if (!strcmp(command, "devices"))
		print_devices(o);
	else if (!strcmp(command, "forget"))
		printf("All stored data erased.\n");
	else if (!strcmp(command, "forget-status"))
		print_forget_status(o);
	else if (!strcmp(command, "purposes"))
		print_purposes(o);
	else
		print_status(o);
	if (!raw_json && !strcmp(command, "status"))
		print_shipping(o);
	return 0;
}

int client_call(const char *socket_path, const char *command, json_object *req, const char *format,
		int raw_json)
{
	const char *msg = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	char line[8192];
	json_object *answer;
	FILE *in;
	int fd, ret = 1;

	fd = connect_socket(socket_path);
	if (fd < 0) {
		fprintf(stderr, "evtap: cannot reach evtapd at %s: %s\n", socket_path,
			strerror(-fd));
		return 3;
	}
	if (dprintf(fd, "%s\n", msg) < 0 || !(in = fdopen(fd, "r"))) {
		fprintf(stderr, "evtap: %s: %s\n", socket_path, strerror(errno));
		close(fd);
		return 3;
	}
	answer = fgets(line, sizeof(line), in) ? json_tokener_parse(line) : NULL;
	if (!answer)
		fprintf(stderr, "evtap: evtapd closed the connection without an answer\n");
	else if (!get_bool(answer, "ok"))
		fprintf(stderr, "evtap: %s\n", get_str(answer, "error"));
	else
		ret = print_answer(command, answer, in, format, raw_json);
	json_object_put(answer);
	fclose(in);
	return ret;
}
