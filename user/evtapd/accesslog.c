// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The caller's part of the access log's mirror (accesslog.h). */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <json-c/json.h>
#include "access.h"
#include "accesslog.h"
#include "log.h"

static void trailer(FILE *out, long long entries, const char *why, const char *error)
{
	json_object *o = json_object_new_object(), *t = json_object_new_object();

	json_object_object_add(t, "entries", json_object_new_int64(entries));
	json_object_object_add(t, "complete", json_object_new_boolean(!error));
	if (why)
		json_object_object_add(t, "why", json_object_new_string(why));
	if (error)
		json_object_object_add(t, "error", json_object_new_string(error));
	json_object_object_add(o, "trailer", t);
	fprintf(out, "%s\n",
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void print_entry(FILE *out, const struct access_entry *e)
{
	json_object *o = access_entry_view(e);

	fprintf(out, "%s\n",
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int accesslog_stream(FILE *out, const char *state_dir, uint32_t uid)
{
	char path[PATH_MAX], *line = NULL, err[128];
	struct access_entry e;
	long long entries = 0;
	size_t cap = 0;
	ssize_t n;
	FILE *in;
	int bad;

	snprintf(path, sizeof(path), "%s/%s", state_dir, ACCESS_FILE);
	in = fopen(path, "re");
	if (!in && errno == ENOENT) {
		trailer(out, 0, "none yet: evtap-shipd has stored no audit record on this machine",
			NULL);
		return 0;
	}
	if (!in) {
		int ret = -errno;
		trailer(out, 0, NULL, strerror(-ret));
		return ret;
	}
	while ((n = getline(&line, &cap, in)) > 0) {
		if (line[n - 1] != '\n')
			break; /* being written, or not the shipper's: not an entry */
		line[n - 1] = '\0';
		if (access_line_parse(line, &e, err, sizeof(err))) {
			log_warn("%s: a line is not an entry (%s); skipped", path, err);
		} else if (e.uid == uid) {
			print_entry(out, &e);
			entries++;
		}
	}
	bad = ferror(in);
	free(line);
	fclose(in);
	trailer(out, entries, NULL, bad ? "read error" : NULL);
	return bad ? -EIO : 0;
}
