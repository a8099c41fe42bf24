// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One data message (docs/FLEET.md, "Messages"): person and host from its subject, segment and
 * offset from its headers, the key released for that person and host. The seal binds the block
 * to (uid, segment, offset), and the key was sealed by the person's machine under
 * evtap.v1.key.<person>.<host>: a block moved to another subject, segment or offset, or from
 * another person, does not open. Records are written as the export schema plus "person" and
 * "host" (docs/SCHEMA.md); those above the released level are dropped and counted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "evtap_policy.h"
#include "export.h"
#include "log.h"
#include "pull.h"

struct block_ctx {
	struct pull *p;
	const char *person, *host;
	int level;
	int failed; /* a write error: the block is not acknowledged */
	char prefix[2 * FLEET_PSEUDONYM_LEN + 32];
	int prefix_len;
	FILE *out; /* the partition of the day [day_start, day_end) */
	int64_t day_start, day_end;
	char *line;
	size_t line_len;
	FILE *mem;
};

static int subject_parts(const char *subject, char *person, char *host)
{
	static const char prefix[] = "evtap.v1.data.";
	const char *p =
		strncmp(subject, prefix, sizeof(prefix) - 1) ? NULL : subject + sizeof(prefix) - 1;
	const char *dot = p ? strchr(p, '.') : NULL;

	if (!dot || dot - p > FLEET_PSEUDONYM_LEN || strlen(dot + 1) > FLEET_PSEUDONYM_LEN)
		return -1;
	memcpy(person, p, (size_t)(dot - p));
	person[dot - p] = 0;
	strcpy(host, dot + 1);
	return fleet_token_ok(person) && fleet_token_ok(host) ? 0 : -1;
}

static int header_u64(natsMsg *m, const char *name, uint64_t *v)
{
	const char *s = NULL;
	char *end;

	if (natsMsgHeader_Get(m, name, &s) != NATS_OK || !s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return *end || errno ? -1 : 0;
}

#define DAY_NS (86400 * 1000000000LL)

/* The partition of ts_ns's day; a block's records are mostly of one day, so it is kept. */
static FILE *day_file(struct block_ctx *b, int64_t ts_ns)
{
	if (!b->out || ts_ns < b->day_start || ts_ns >= b->day_end) {
		b->out = partition_file(b->p, b->person, ts_ns);
		b->day_start = ts_ns - ((ts_ns % DAY_NS) + DAY_NS) % DAY_NS;
		b->day_end = b->day_start + DAY_NS;
	}
	return b->out;
}

/* {"person":P,"host":H, then the export's own fields. */
static int on_record(void *arg, const struct evtap_record *rec, const struct evtap_device *dev)
{
	struct block_ctx *b = arg;
	size_t len;
	FILE *out;

	if (evtap_kind_min_level(rec->kind) > b->level) {
		b->p->st.dropped_level++;
		return 0;
	}
	rewind(b->mem);
	if (export_record(b->mem, EXPORT_JSONL, rec, dev) || fflush(b->mem) || b->line[0] != '{')
		return b->failed = -EIO;
	len = (size_t)ftell(b->mem) - 1;
	out = day_file(b, rec->ts_ns);
	if (!out ||
	    fwrite_unlocked(b->prefix, 1, (size_t)b->prefix_len, out) != (size_t)b->prefix_len ||
	    fwrite_unlocked(b->line + 1, 1, len, out) != len)
		return b->failed = -EIO;
	b->p->st.records++;
	return 0;
}

static void on_corrupt(void *arg, uint64_t offset, const char *why)
{
	struct block_ctx *b = arg;

	log_warn("block of %.8s/%.8s at %llu: %s", b->person, b->host, (unsigned long long)offset,
		 why);
}

/* Opens and writes one block whose key was released; -EAGAIN on a write error. */
static int write_block(struct pull *p, natsMsg *m, struct block_ctx *b, const struct key_entry *k,
		       const struct seg_place *place)
{
	const struct seg_read_cb cb = { on_record, on_corrupt, b };
	int ret;

	b->level = k->level;
	b->prefix_len = snprintf(b->prefix, sizeof(b->prefix),
				 "{\"person\":\"%s\",\"host\":\"%s\",", b->person, b->host);
	b->mem = open_memstream(&b->line, &b->line_len);
	if (!b->mem)
		return -EAGAIN;
	ret = seg_read_block(p->reader, (const uint8_t *)natsMsg_GetData(m),
			     (size_t)natsMsg_GetDataLength(m), place, k->key, &cb);
	fclose(b->mem);
	free(b->line);
	if (b->failed)
		return -EAGAIN;
	if (ret) {
		p->st.bad++;
		log_warn("bad block of %.8s/%.8s segment %llu offset %llu: %s", b->person, b->host,
			 (unsigned long long)place->seq, (unsigned long long)place->offset,
			 ret == -EKEYREJECTED ? "seal does not open" : "damaged");
	}
	return 0;
}

int block_handle(struct pull *p, natsMsg *m, char *id, size_t idlen)
{
	char person[FLEET_PSEUDONYM_LEN + 1], host[FLEET_PSEUDONYM_LEN + 1];
	struct block_ctx b = { .p = p, .person = person, .host = host };
	struct seg_place place;
	const struct key_entry *k;
	int unreachable;

	id[0] = 0;
	if (subject_parts(natsMsg_GetSubject(m), person, host) ||
	    header_u64(m, "Evtap-Segment", &place.seq) ||
	    header_u64(m, "Evtap-Offset", &place.offset) ||
	    fleet_msg_id(id, idlen, host, person, place.seq, place.offset)) {
		p->st.bad++;
		log_warn("bad message on %s: no segment or offset", natsMsg_GetSubject(m));
		id[0] = 0;
		return 0;
	}
	if (seen_has(p->seen, id)) {
		p->st.duplicates++;
		id[0] = 0;
		return 0;
	}
	k = keycache_get(p, person, host, place.seq, &unreachable);
	if (unreachable || !k)
		return -EAGAIN;
	p->st.blocks++;
	if (k->refused[0]) {
		p->st.refused++;
		return seen_add(p->seen, id) ? -EAGAIN : 0;
	}
	place.uid = k->uid;
	if (write_block(p, m, &b, k, &place))
		return -EAGAIN;
	return seen_add(p->seen, id) ? -EAGAIN : 0;
}
