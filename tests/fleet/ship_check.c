// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-ship-check: the fleet-ship suite's client, standing in for the custodian and the
 * consumer of the next issue.
 *   pseudonym KEY ID                 the pseudonym of ID under KEY
 *   keypair PK SK                    a custodian key pair, raw, into two files
 *   streams SERVERS USER PASS        makes EVTAP_DATA and EVTAP_KEYS (R3), retrying 20 s
 *   leader SERVERS USER PASS         the name of EVTAP_DATA's leader
 *   verify SERVERS USER PASS DATA PSEUDO_KEY SK HOST DUMP UID...
 *       reads both streams back: every block of the store must be there exactly once after
 *       dedupe by Msg-Id, byte for byte, with its headers; each person's key must open with
 *       the custodian's secret key and open one of their blocks with the associated data
 *       (uid, segment, offset). Subjects and headers go to DUMP, for the suite to grep.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <nats/nats.h>
#include <sodium.h>
#include "fleet_names.h"
#include "fleet_pseudonym.h"
#include "keys.h"
#include "segment.h"

#define MAX_BLOCKS 200000
#define MAX_USERS  8

struct block {
	int user;
	uint64_t seq, off;
	uint32_t len;
	uint8_t hash[16];
	int seen;
};

struct person {
	uint32_t uid;
	char name[FLEET_PSEUDONYM_LEN + 1];
	uint8_t key[KEY_SIZE];
	int key_ok, opened;
};

static struct block *blocks;
static size_t n_blocks;
static struct person people[MAX_USERS];
static int n_people;

static void hash(uint8_t out[16], const void *buf, size_t len)
{
	crypto_generichash(out, 16, buf, len, NULL, 0);
}

/* The servers may still be starting: up to 10 s of attempts. */
static int connect_js(natsConnection **nc, jsCtx **js, char *servers, const char *user,
		      const char *pass)
{
	const char *urls[8];
	natsOptions *o = NULL;
	natsStatus s = NATS_ERR;
	int n = 0;

	for (char *t = strtok(servers, ","); t && n < 8; t = strtok(NULL, ","))
		urls[n++] = t;
	if (natsOptions_Create(&o) || natsOptions_SetServers(o, urls, n) ||
	    natsOptions_SetUserInfo(o, user, pass) || natsOptions_SetTimeout(o, 2000))
		return -1;
	for (int i = 0; i < 40 && s != NATS_OK; i++) {
		s = natsConnection_Connect(nc, o);
		if (s != NATS_OK)
			usleep(250000);
	}
	natsOptions_Destroy(o);
	if (s != NATS_OK || natsConnection_JetStream(js, *nc, NULL)) {
		fprintf(stderr, "evtap-ship-check: connect: %s\n", nats_GetLastError(NULL));
		return -1;
	}
	return 0;
}

static int add_stream(jsCtx *js, const char *name, const char *subject)
{
	const char *subjects[] = { subject };
	jsStreamConfig cfg;
	jsStreamInfo *si = NULL;
	jsErrCode code = 0;
	natsStatus s = NATS_ERR;

	jsStreamConfig_Init(&cfg);
	cfg.Name = name;
	cfg.Subjects = subjects;
	cfg.SubjectsLen = 1;
	cfg.Storage = js_FileStorage;
	cfg.Replicas = 3;
	cfg.Duplicates = 120 * 1000000000LL;
	for (int i = 0; i < 40 && s != NATS_OK; i++) {
		s = js_AddStream(&si, js, &cfg, NULL, &code);
		if (s != NATS_OK)
			usleep(500000);
	}
	jsStreamInfo_Destroy(si);
	if (s != NATS_OK)
		fprintf(stderr, "evtap-ship-check: stream %s: %s (%d)\n", name,
			natsStatus_GetText(s), code);
	return s == NATS_OK ? 0 : -1;
}

static int leader(jsCtx *js)
{
	jsStreamInfo *si = NULL;

	for (int i = 0; i < 40; i++) {
		if (js_GetStreamInfo(&si, js, FLEET_STREAM_DATA, NULL, NULL) == NATS_OK && si &&
		    si->Cluster && si->Cluster->Leader) {
			printf("%s\n", si->Cluster->Leader);
			jsStreamInfo_Destroy(si);
			return 0;
		}
		jsStreamInfo_Destroy(si);
		si = NULL;
		usleep(250000);
	}
	return -1;
}

/* Every block of every user's segments, as the shipper should send them. */
static void expect_user(const char *data, int user)
{
	struct seg_reader *rd = seg_reader_new();
	char dir[4096], path[4200], name[SEG_NAME_SIZE];
	struct seg_raw_block b;
	const char *why;
	uint64_t *seqs, seq;
	size_t count;
	int dfd, fd;

	snprintf(dir, sizeof(dir), "%s/%u", data, people[user].uid);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dfd < 0 || seg_list(dfd, &seqs, &count))
		return;
	for (size_t i = 0; i < count; i++) {
		seg_name(name, seqs[i]);
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		fd = open(path, O_RDONLY);
		if (fd < 0 || seg_raw_open(rd, fd, people[user].uid, &seq, &why))
			continue;
		for (uint64_t off = SEG_HEADER_SIZE;
		     seg_raw_next(rd, off, &b) == 1 && n_blocks < MAX_BLOCKS; off += b.len) {
			struct block *e = &blocks[n_blocks++];

			*e = (struct block){
				.user = user, .seq = seq, .off = b.offset, .len = b.len
			};
			hash(e->hash, b.data, b.len);
		}
		close(fd);
	}
	free(seqs);
	close(dfd);
	seg_reader_free(rd);
}

static struct block *find_block(int user, uint64_t seq, uint64_t off)
{
	for (size_t i = 0; i < n_blocks; i++)
		if (blocks[i].user == user && blocks[i].seq == seq && blocks[i].off == off)
			return &blocks[i];
	return NULL;
}

static int person_index(const char *subject, int prefix_len)
{
	for (int i = 0; i < n_people; i++)
		if (!strncmp(subject + prefix_len, people[i].name, FLEET_PSEUDONYM_LEN))
			return i;
	return -1;
}

static const char *header(natsMsg *m, const char *name)
{
	const char *v = NULL;

	natsMsgHeader_Get(m, name, &v);
	return v ? v : "";
}

/* Opens a block as the consumer will: its person's key, the AD (uid, segment, offset). */
static void try_open(struct person *p, natsMsg *m, uint64_t seq, uint64_t off)
{
	const uint8_t *d = (const uint8_t *)natsMsg_GetData(m);
	int len = natsMsg_GetDataLength(m) - SEG_BLOCK_HEADER_SIZE;
	const uint8_t *nonce = d + SEG_BLOCK_HEADER_SIZE;
	uint8_t ad[20], *out = malloc((size_t)len);

	put_le32(ad, p->uid);
	put_le64(ad + 4, seq);
	put_le64(ad + 12, off);
	if (out && len > (int)SEG_SEAL_SIZE &&
	    !crypto_aead_xchacha20poly1305_ietf_decrypt(
		    out, NULL, NULL, nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
		    (size_t)len - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, ad, sizeof(ad),
		    nonce, p->key))
		p->opened++;
	free(out);
}

struct tally {
	uint64_t received, duplicates, unknown, mismatched, bad_headers;
};

static void data_msg(natsMsg *m, FILE *dump, struct tally *t)
{
	const char *subj = natsMsg_GetSubject(m);
	int u = person_index(subj, (int)strlen("evtap.v1.data."));
	uint64_t seq = strtoull(header(m, "Evtap-Segment"), NULL, 10);
	uint64_t off = strtoull(header(m, "Evtap-Offset"), NULL, 10);
	struct block *b = u < 0 ? NULL : find_block(u, seq, off);
	uint8_t h[16];

	fprintf(dump, "%s id=%s segment=%s offset=%s format=%s\n", subj, header(m, "Nats-Msg-Id"),
		header(m, "Evtap-Segment"), header(m, "Evtap-Offset"), header(m, "Evtap-Format"));
	t->received++;
	if (strcmp(header(m, "Evtap-Format"), "2"))
		t->bad_headers++;
	if (!b) {
		t->unknown++;
		return;
	}
	hash(h, natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m));
	if (memcmp(h, b->hash, 16)) {
		t->mismatched++;
		return;
	}
	if (b->seen++)
		t->duplicates++;
	if (people[u].key_ok && people[u].opened < 3)
		try_open(&people[u], m, seq, off);
}

static void key_msg(natsMsg *m, const uint8_t pk[32], const uint8_t sk[32], FILE *dump)
{
	const char *subj = natsMsg_GetSubject(m);
	int u = person_index(subj, (int)strlen("evtap.v1.key."));
	uint8_t plain[KEY_SEALED_PLAIN_SIZE];

	fprintf(dump, "%s id=%s\n", subj, header(m, "Nats-Msg-Id"));
	if (u < 0 || natsMsg_GetDataLength(m) != KEY_SEALED_SIZE ||
	    crypto_box_seal_open(plain, (const uint8_t *)natsMsg_GetData(m), KEY_SEALED_SIZE, pk,
				 sk) ||
	    memcmp(plain, KEY_SEALED_MAGIC, 4) || plain[4] != KEY_SEALED_VERSION ||
	    get_le32(plain + 5) != people[u].uid)
		return;
	memcpy(people[u].key, plain + 9, KEY_SIZE);
	people[u].key_ok = 1;
}

static void read_stream(jsCtx *js, const char *stream, const uint8_t pk[32], const uint8_t sk[32],
			FILE *dump, struct tally *t)
{
	jsStreamInfo *si = NULL;
	natsMsg *m;

	if (js_GetStreamInfo(&si, js, stream, NULL, NULL) != NATS_OK)
		return;
	for (uint64_t s = si->State.FirstSeq; s && s <= si->State.LastSeq; s++) {
		m = NULL;
		if (js_GetMsg(&m, js, stream, s, NULL, NULL) != NATS_OK)
			continue;
		if (t)
			data_msg(m, dump, t);
		else
			key_msg(m, pk, sk, dump);
		natsMsg_Destroy(m);
	}
	jsStreamInfo_Destroy(si);
}

static int load_people(char **uids, int n, const char *keyfile)
{
	unsigned char key[FLEET_KEY_LEN];
	char err[256];

	if (fleet_read_key(keyfile, key, err, sizeof(err)))
		return -1;
	for (int i = 0; i < n && i < MAX_USERS; i++) {
		struct passwd *pw = getpwuid((uid_t)atoi(uids[i]));

		if (!pw)
			return -1;
		people[i].uid = (uint32_t)atoi(uids[i]);
		fleet_pseudonym(people[i].name, key, pw->pw_name);
		n_people++;
	}
	return 0;
}

static int verify(jsCtx *js, char **argv, int argc)
{
	uint8_t sk[32], pk[32];
	struct tally t = { 0 };
	size_t missing = 0;
	int keys = 0, opened = 0;
	char err[256];
	FILE *dump = fopen(argv[5], "w");

	blocks = calloc(MAX_BLOCKS, sizeof(*blocks));
	if (!dump || !blocks || load_people(argv + 6, argc - 6, argv[2]) ||
	    fleet_read_key(argv[3], sk, err, sizeof(err)))
		return 2;
	crypto_scalarmult_base(pk, sk);
	for (int i = 0; i < n_people; i++)
		expect_user(argv[1], i);
	read_stream(js, FLEET_STREAM_KEYS, pk, sk, dump, NULL);
	read_stream(js, FLEET_STREAM_DATA, pk, sk, dump, &t);
	fclose(dump);
	for (size_t i = 0; i < n_blocks; i++)
		missing += !blocks[i].seen;
	for (int i = 0; i < n_people; i++) {
		keys += people[i].key_ok;
		opened += people[i].opened > 0;
	}
	printf("expected %zu received %" PRIu64 " duplicates %" PRIu64
	       " missing %zu unknown %" PRIu64 " mismatched %" PRIu64 " bad-headers %" PRIu64
	       " keys %d/%d opened %d/%d\n",
	       n_blocks, t.received, t.duplicates, missing, t.unknown, t.mismatched, t.bad_headers,
	       keys, n_people, opened, n_people);
	/* The suite stays within the stream's dedupe window: a duplicate there is a failure. */
	return n_blocks && !missing && !t.duplicates && !t.unknown && !t.mismatched &&
			       !t.bad_headers && keys == n_people && opened == n_people
		       ? 0
		       : 1;
}

static int write_raw(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "w");
	int ok = f && fwrite(buf, 1, len, f) == len;

	if (f)
		fclose(f);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	natsConnection *nc = NULL;
	unsigned char key[FLEET_KEY_LEN], pk[32], sk[32];
	char err[256], out[FLEET_PSEUDONYM_LEN + 1];
	jsCtx *js = NULL;
	int ret = 2;

	if (sodium_init() < 0 || argc < 4)
		return 2;
	if (!strcmp(argv[1], "pseudonym")) {
		if (fleet_read_key(argv[2], key, err, sizeof(err)) ||
		    fleet_pseudonym(out, key, argv[3]))
			return 1;
		printf("%s\n", out);
		return 0;
	}
	if (!strcmp(argv[1], "keypair")) {
		crypto_box_keypair(pk, sk);
		return write_raw(argv[2], pk, 32) || write_raw(argv[3], sk, 32);
	}
	if (argc < 5 || connect_js(&nc, &js, argv[2], argv[3], argv[4]))
		return 2;
	if (!strcmp(argv[1], "streams"))
		ret = add_stream(js, FLEET_STREAM_DATA, FLEET_SUBJECTS_DATA) ||
		      add_stream(js, FLEET_STREAM_KEYS, FLEET_SUBJECTS_KEYS);
	else if (!strcmp(argv[1], "leader"))
		ret = leader(js) ? 1 : 0;
	else if (!strcmp(argv[1], "verify") && argc >= 11)
		ret = verify(js, argv + 4, argc - 4);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	return ret;
}
