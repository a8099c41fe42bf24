// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The fleet benchmark's loss check (check.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "check.h"
#include "fleet_conf.h"
#include "fleet_conn.h"
#include "fleet_pseudonym.h"
#include "segment.h"

#define FETCH_BATCH   512
#define FETCH_MS      5000
#define CONNECT_TRIES 20

struct block {
	uint32_t agent;
	uint64_t seq, off;
	uint32_t len;
	uint8_t hash[16];
	uint8_t seen;
};

static struct block *blocks;
static size_t n_blocks, cap_blocks;

/* The agents' host pseudonyms, sorted, each with its index. */
struct host_index {
	const char *host;
	uint32_t agent;
};

static int cmp_host(const void *a, const void *b)
{
	return strcmp(((const struct host_index *)a)->host, ((const struct host_index *)b)->host);
}

static int cmp_block(const void *a, const void *b)
{
	const struct block *x = a, *y = b;

	if (x->agent != y->agent)
		return x->agent < y->agent ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

static int add_block(uint32_t agent, uint64_t seq, const struct seg_raw_block *b)
{
	struct block *k;

	if (n_blocks == cap_blocks) {
		cap_blocks = cap_blocks ? 2 * cap_blocks : 65536;
		blocks = realloc(blocks, cap_blocks * sizeof(*blocks));
		if (!blocks)
			return -1;
	}
	k = &blocks[n_blocks++];
	*k = (struct block){ .agent = agent, .seq = seq, .off = b->offset, .len = b->len };
	crypto_generichash(k->hash, sizeof(k->hash), b->data, b->len, NULL, 0);
	return 0;
}

/* Every whole block of the agent's segments 0, 1, ... (the first one missing ends them). */
static int read_store(struct seg_reader *rd, const struct check_agent *a, uint32_t agent)
{
	char path[4096], name[SEG_NAME_SIZE];

	for (uint64_t seq = 0;; seq++) {
		struct seg_raw_block b;
		uint64_t off = SEG_HEADER_SIZE, got;
		const char *why = NULL;
		int fd, r;

		seg_name(name, seq);
		snprintf(path, sizeof(path), "%s/%s", a->user_dir, name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return 0;
		r = seg_raw_open(rd, fd, a->uid, &got, &why);
		while (!r && (r = seg_raw_next(rd, off, &b)) == 1) {
			r = add_block(agent, seq, &b);
			off += b.len;
		}
		close(fd);
		if (r) {
			fprintf(stderr, "check: %s: offset %" PRIu64 ": %s\n", path, off,
				r == -EBADMSG ? (why ? why : b.why) : strerror(-r));
			return -1;
		}
	}
}

static const char *header(natsMsg *m, const char *name)
{
	const char *v = NULL;

	return natsMsgHeader_Get(m, name, &v) == NATS_OK ? v : NULL;
}

static void tally(natsMsg *m, const struct host_index *hosts, size_t n, struct check_result *r)
{
	const char *id = header(m, "Nats-Msg-Id");
	char host[FLEET_PSEUDONYM_LEN + 1];
	struct host_index key = { .host = host }, *h;
	struct block want = { 0 }, *b;
	uint8_t hash[16];

	if (!id || strlen(id) < 2 * FLEET_PSEUDONYM_LEN + 2 ||
	    sscanf(id + 2 * FLEET_PSEUDONYM_LEN + 2, "%" SCNu64 ":%" SCNu64, &want.seq,
		   &want.off) != 2) {
		r->unknown++;
		return;
	}
	memcpy(host, id, FLEET_PSEUDONYM_LEN);
	host[FLEET_PSEUDONYM_LEN] = '\0';
	h = bsearch(&key, hosts, n, sizeof(*hosts), cmp_host);
	if (h)
		want.agent = h->agent;
	b = h ? bsearch(&want, blocks, n_blocks, sizeof(*blocks), cmp_block) : NULL;
	if (!b) {
		r->unknown++;
		return;
	}
	crypto_generichash(hash, sizeof(hash), (const uint8_t *)natsMsg_GetData(m),
			   (size_t)natsMsg_GetDataLength(m), NULL, 0);
	if ((size_t)natsMsg_GetDataLength(m) != b->len || memcmp(hash, b->hash, sizeof(hash)))
		r->changed++;
	else if (b->seen++)
		r->twice++;
	else
		r->found++;
}

static int connect_admin(const char *servers, const char *creds, natsConnection **nc, jsCtx **js)
{
	struct fleet_conf fc;
	char err[512], *list = strdup(servers), *save = NULL;
	int bad;

	fleet_conf_init(&fc);
	for (char *s = strtok_r(list, ",", &save); s && fc.nservers < FLEET_MAX_SERVERS;
	     s = strtok_r(NULL, ",", &save))
		fc.servers[fc.nservers++] = strdup(s);
	fc.credentials = strdup(creds);
	/* A loaded server may take longer than the connect timeout over the bcrypt check. */
	for (int i = 0; i < CONNECT_TRIES; i++) {
		bad = fleet_connect(nc, &fc, "evtap-bench-check", 0, err, sizeof(err));
		if (!bad)
			break;
		sleep(1);
	}
	if (bad)
		fprintf(stderr, "check: %s\n", err);
	else
		bad = natsConnection_JetStream(js, *nc, NULL) != NATS_OK;
	fleet_conf_free(&fc);
	free(list);
	return bad ? -1 : 0;
}

static int read_stream(jsCtx *js, const struct host_index *hosts, size_t n, struct check_result *r)
{
	natsSubscription *sub = NULL;
	jsStreamInfo *si = NULL;
	jsErrCode code = 0;
	uint64_t read = 0;

	if (js_GetStreamInfo(&si, js, "EVTAP_DATA", NULL, &code) != NATS_OK) {
		fprintf(stderr, "check: EVTAP_DATA: no stream info (%d)\n", (int)code);
		return -1;
	}
	r->stream_msgs = si->State.Msgs;
	jsStreamInfo_Destroy(si);
	if (js_PullSubscribe(&sub, js, "evtap.v1.data.>", "bench-check", NULL, NULL, &code) !=
	    NATS_OK) {
		fprintf(stderr, "check: no pull consumer (%d)\n", (int)code);
		return -1;
	}
	while (read < r->stream_msgs) {
		natsMsgList list = { 0 };

		if (natsSubscription_Fetch(&list, sub, FETCH_BATCH, FETCH_MS, &code) != NATS_OK)
			break;
		for (int i = 0; i < list.Count; i++) {
			tally(list.Msgs[i], hosts, n, r);
			natsMsg_Ack(list.Msgs[i], NULL);
		}
		read += (uint64_t)list.Count;
		natsMsgList_Destroy(&list);
	}
	natsSubscription_Unsubscribe(sub);
	natsSubscription_Destroy(sub);
	if (read < r->stream_msgs)
		fprintf(stderr, "check: read %" PRIu64 " of %" PRIu64 " messages\n", read,
			r->stream_msgs);
	return read < r->stream_msgs ? -1 : 0;
}

int check_stream(const char *servers, const char *creds, const struct check_agent *agents, size_t n,
		 struct check_result *r)
{
	struct host_index *hosts = calloc(n, sizeof(*hosts));
	struct seg_reader *rd = seg_reader_new();
	natsConnection *nc = NULL;
	jsCtx *js = NULL;
	int bad = !hosts || !rd;

	*r = (struct check_result){ 0 };
	for (size_t i = 0; i < n && !bad; i++) {
		hosts[i] = (struct host_index){ agents[i].host, (uint32_t)i };
		bad = read_store(rd, &agents[i], (uint32_t)i);
	}
	seg_reader_free(rd);
	if (bad)
		return -1;
	qsort(hosts, n, sizeof(*hosts), cmp_host);
	qsort(blocks, n_blocks, sizeof(*blocks), cmp_block);
	r->blocks = n_blocks;
	for (size_t i = 0; i < n_blocks; i++)
		r->block_bytes += blocks[i].len;
	bad = connect_admin(servers, creds, &nc, &js) || read_stream(js, hosts, n, r);
	for (size_t i = 0; i < n_blocks; i++)
		r->missing += !blocks[i].seen;
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	free(hosts);
	free(blocks);
	blocks = NULL;
	n_blocks = cap_blocks = 0;
	return bad ? -1 : 0;
}
