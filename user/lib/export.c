// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <json-c/json.h>
#include "clock.h"
#include "codenames.h"
#include "export.h"
#include "log.h"
#include "names.h"
#include "store.h"

#define CSV_HEADER "ts,ts_ns,uid,device,device_class,kind,code,name,value,value2\n"

void export_begin(FILE *out, enum export_format format)
{
	if (format == EXPORT_CSV)
		fputs(CSV_HEADER, out);
}

static void add_int(json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

static const char *record_name(const struct evtap_record *r)
{
	switch (r->kind) {
	case EVTAP_KIND_KEYCLASS:
		return evtap_class_name(r->code);
	case EVTAP_KIND_MOTION:
		return "REL_XY";
	case EVTAP_KIND_WHEEL:
		return "REL_WHEEL";
	default:
		return evtap_code_name(r->kind, r->code);
	}
}

static void add_counts(json_object *o, const struct evtap_counts_rec *c)
{
	json_object *keys = json_object_new_object();

	add_int(o, "interval_ms", c->interval_ms);
	for (int i = 0; i < EVTAP_CLASS_MAX; i++)
		add_int(keys, evtap_class_name(i), (int64_t)c->keys[i]);
	json_object_object_add(o, "keys", keys);
	add_int(o, "clicks", (int64_t)c->clicks);
	add_int(o, "motion", (int64_t)c->motion);
	add_int(o, "scroll", (int64_t)c->scroll);
}

static void add_display(json_object *o, const struct evtap_display_rec *d)
{
	add_int(o, "crtc", d->crtc);
	add_int(o, "interval_ms", d->interval_ms);
	add_int(o, "commits", d->commits);
	add_int(o, "flips", d->flips);
	add_int(o, "damage_events", d->damage_events);
	json_object_object_add(o, "damage_fraction",
			       json_object_new_double(d->damage_ppm / 1000000.0));
}

/*
 * Input records, the bulk of any export, are written directly: building a json-c object per
 * record cost most of a pipeline's time (docs/BENCHMARKS.md). The bytes are those json-c
 * writes with JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE (tests/unit/test_export.c
 * compares them): keys in insertion order, no spaces, its escapes.
 */
/* The one-letter escape json-c uses for c, or 0. */
static char short_escape(unsigned char c)
{
	switch (c) {
	case '"':
	case '\\':
		return (char)c;
	case '\b':
		return 'b';
	case '\t':
		return 't';
	case '\n':
		return 'n';
	case '\f':
		return 'f';
	case '\r':
		return 'r';
	default:
		return 0;
	}
}

static void put_str(FILE *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	fputc_unlocked('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char e = short_escape(c);

		if (e) {
			fputc_unlocked('\\', out);
			fputc_unlocked(e, out);
		} else if (c < ' ') {
			fputs_unlocked("\\u00", out);
			fputc_unlocked(hex[c >> 4], out);
			fputc_unlocked(hex[c & 15], out);
		} else {
			fputc_unlocked(c, out);
		}
	}
	fputc_unlocked('"', out);
}

static void put_int(FILE *out, int64_t v)
{
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	char b[24];
	int n = sizeof(b);

	do
		b[--n] = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		b[--n] = '-';
	fwrite_unlocked(b + n, 1, sizeof(b) - (size_t)n, out);
}

/* ,"key": then the value's writer follows. */
static void put_key(FILE *out, const char *key)
{
	fputc_unlocked(',', out);
	put_str(out, key);
	fputc_unlocked(':', out);
}

static void put_int_field(FILE *out, const char *key, int64_t v)
{
	put_key(out, key);
	put_int(out, v);
}

static void put_str_field(FILE *out, const char *key, const char *v)
{
	put_key(out, key);
	if (v)
		put_str(out, v);
	else
		fputs_unlocked("null", out);
}

static void put_input(FILE *out, const struct evtap_record *r, const struct evtap_device *dev)
{
	const char *name = record_name(r);

	put_str_field(out, "device", dev ? dev->name : NULL);
	put_str_field(out, "device_class", evtap_device_class_name(dev ? dev->class : 0));
	switch (r->kind) {
	case EVTAP_KIND_MOTION:
		put_str_field(out, "name", name);
		put_int_field(out, "dx", r->value);
		put_int_field(out, "dy", r->value2);
		break;
	case EVTAP_KIND_WHEEL:
		put_str_field(out, "name", name);
		put_int_field(out, "value", r->value);
		put_int_field(out, "hvalue", r->value2);
		break;
	case EVTAP_KIND_KEYCLASS:
		put_str_field(out, "class", name);
		put_int_field(out, "value", r->value);
		break;
	default:
		put_int_field(out, "code", r->code);
		put_str_field(out, "name", name);
		put_int_field(out, "value", r->value);
	}
}

static int write_input_json(FILE *out, const struct evtap_record *r, const struct evtap_device *dev)
{
	char ts[40];

	clock_format_rfc3339(r->ts_ns, ts, sizeof(ts));
	fputs_unlocked("{\"ts\":", out);
	put_str(out, ts);
	put_int_field(out, "ts_ns", r->ts_ns);
	put_int_field(out, "uid", r->uid);
	put_str_field(out, "kind", evtap_kind_name(r->kind));
	put_input(out, r, dev);
	fputs_unlocked("}\n", out);
	return ferror_unlocked(out) ? -EIO : 0;
}

/* Counts and display records, few and nested, through json-c. */
static int write_json(FILE *out, const struct evtap_record *r)
{
	json_object *o = json_object_new_object();
	char ts[40];
	int ret;

	clock_format_rfc3339(r->ts_ns, ts, sizeof(ts));
	json_object_object_add(o, "ts", json_object_new_string(ts));
	add_int(o, "ts_ns", r->ts_ns);
	add_int(o, "uid", r->uid);
	json_object_object_add(o, "kind", json_object_new_string(evtap_kind_name(r->kind)));
	if (r->kind == EVTAP_KIND_COUNTS)
		add_counts(o, &r->counts);
	else
		add_display(o, &r->display);
	ret = fprintf(out, "%s\n",
		      json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return ret < 0 ? -EIO : 0;
}

/* RFC 4180: quote a field that holds a comma, a quote or a line break; double the quotes. */
static void csv_field(FILE *out, const char *s)
{
	if (!s[strcspn(s, ",\"\r\n")]) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void csv_row(FILE *out, const struct evtap_record *r, const char *device,
		    const char *device_class, const char *name, int64_t value, int64_t value2)
{
	char ts[40];

	clock_format_rfc3339(r->ts_ns, ts, sizeof(ts));
	fprintf(out, "%s,%" PRId64 ",%u,", ts, r->ts_ns, r->uid);
	csv_field(out, device);
	fprintf(out, ",%s,%s,%u,", device_class, evtap_kind_name(r->kind), r->code);
	csv_field(out, name ? name : "");
	fprintf(out, ",%" PRId64 ",%" PRId64 "\n", value, value2);
}

/* Counts and display records become one row per metric, named in the "name" column. */
static void write_csv_metrics(FILE *out, const struct evtap_record *r)
{
	if (r->kind == EVTAP_KIND_COUNTS) {
		const struct evtap_counts_rec *c = &r->counts;
		for (int i = 0; i < EVTAP_CLASS_MAX; i++)
			csv_row(out, r, "", "", evtap_class_name(i), (int64_t)c->keys[i],
				c->interval_ms);
		csv_row(out, r, "", "", "clicks", (int64_t)c->clicks, c->interval_ms);
		csv_row(out, r, "", "", "motion", (int64_t)c->motion, c->interval_ms);
		csv_row(out, r, "", "", "scroll", (int64_t)c->scroll, c->interval_ms);
		return;
	}
	const struct evtap_display_rec *d = &r->display;
	csv_row(out, r, "", "", "commits", d->commits, d->interval_ms);
	csv_row(out, r, "", "", "flips", d->flips, d->interval_ms);
	csv_row(out, r, "", "", "damage_events", d->damage_events, d->interval_ms);
	csv_row(out, r, "", "", "damage_ppm", d->damage_ppm, d->interval_ms);
}

int export_record(FILE *out, enum export_format format, const struct evtap_record *rec,
		  const struct evtap_device *dev)
{
	if (format == EXPORT_JSONL &&
	    (rec->kind == EVTAP_KIND_COUNTS || rec->kind == EVTAP_KIND_DISPLAY))
		return write_json(out, rec);
	if (format == EXPORT_JSONL)
		return write_input_json(out, rec, dev);
	if (rec->kind == EVTAP_KIND_COUNTS || rec->kind == EVTAP_KIND_DISPLAY)
		write_csv_metrics(out, rec);
	else
		csv_row(out, rec, dev ? dev->name : "",
			evtap_device_class_name(dev ? dev->class : 0), record_name(rec), rec->value,
			rec->value2);
	return ferror(out) ? -EIO : 0;
}

/* What an export delivered and skipped: its trailer. */
struct export_ctx {
	FILE *out;
	enum export_format format;
	uint64_t records;
	uint64_t skipped_blocks;
};

static int export_one(void *ctx, const struct evtap_record *rec, const struct evtap_device *dev)
{
	struct export_ctx *x = ctx;

	x->records++;
	return export_record(x->out, x->format, rec, dev);
}

/* Counted for the trailer, and logged where an operator looks (the daemon's log). */
static void export_corrupt(void *ctx, const char *file, uint64_t offset, const char *why)
{
	struct export_ctx *x = ctx;

	x->skipped_blocks++;
	log_warn("export: %s: block at offset %llu skipped: %s", file, (unsigned long long)offset,
		 why);
}

/*
 * The last line for both formats: without it, or with complete false, the client knows the
 * stream was cut or the walk failed; with skipped blocks, that records are missing.
 */
static void write_trailer(FILE *out, const struct export_ctx *x, int err)
{
	json_object *o = json_object_new_object(), *t = json_object_new_object();

	add_int(t, "records", (int64_t)x->records);
	add_int(t, "skipped_blocks", (int64_t)x->skipped_blocks);
	json_object_object_add(t, "complete", json_object_new_boolean(!err));
	if (err)
		json_object_object_add(t, "error",
				       json_object_new_string(strerror(err < 0 ? -err : EIO)));
	json_object_object_add(o, "trailer", t);
	fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

int export_users(FILE *out, const char *data_dir, const char *key_dir, const struct request *req,
		 uint32_t uid)
{
	struct export_ctx x = { .out = out, .format = req->format };
	struct store_read_cb cb = { .record = export_one, .corrupt = export_corrupt, .ctx = &x };
	uint32_t *uids = &uid;
	int n = 1, ret = 0;

	if (req->all_users)
		n = store_list_users(data_dir, &uids);
	if (n < 0)
		ret = n;
	export_begin(out, req->format);
	for (int i = 0; i < n && !ret; i++)
		ret = store_read_user(data_dir, key_dir, uids[i], req->since_ns, req->until_ns,
				      &cb);
	if (uids != &uid)
		free(uids);
	write_trailer(out, &x, ret);
	return ret;
}
