// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-fleet-op SERVERS CREDENTIALS OP [ARG...]: performs one NATS operation as the user of a
 * credentials file and exits 0 when the server allowed it, 1 when it refused or failed, 2 on
 * bad usage. tests/fleet/run.sh drives it to check each role's permissions.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fleet_conf.h"
#include "fleet_conn.h"
#include "log.h"

#define WAIT_MS 2000

struct op {
	const char *name;
	int nargs;
	int (*run)(natsConnection *nc, jsCtx *js, char **argv);
	const char *usage;
	unsigned int connect_flags; /* for fleet_connect */
};

/* A refusal is reported on the connection, so a flush's round trip is what makes it seen. */
static int settled(natsConnection *nc, natsStatus s)
{
	if (s == NATS_OK)
		s = natsConnection_FlushTimeout(nc, WAIT_MS);
	return s == NATS_OK && !fleet_conn_refused(nc) ? 0 : 1;
}

static int op_pub(natsConnection *nc, jsCtx *js, char **argv)
{
	return settled(nc, natsConnection_PublishString(nc, argv[0], "x"));
}

static int op_sub(natsConnection *nc, jsCtx *js, char **argv)
{
	natsSubscription *sub = NULL;
	int ret = settled(nc, natsConnection_SubscribeSync(&sub, nc, argv[0]));

	natsSubscription_Destroy(sub);
	return ret;
}

static int op_jspub(natsConnection *nc, jsCtx *js, char **argv)
{
	jsPubOptions po;
	jsPubAck *ack = NULL;
	natsStatus s;

	jsPubOptions_Init(&po);
	po.MsgId = argv[1];
	s = js_Publish(&ack, js, argv[0], "ciphertext", 10, &po, NULL);
	if (s == NATS_OK)
		printf("seq %llu%s\n", (unsigned long long)ack->Sequence,
		       ack->Duplicate ? " duplicate" : "");
	jsPubAck_Destroy(ack);
	return s == NATS_OK ? 0 : 1;
}

static int op_consumer(natsConnection *nc, jsCtx *js, char **argv)
{
	jsConsumerConfig cc;
	jsConsumerInfo *ci = NULL;
	natsStatus s;

	jsConsumerConfig_Init(&cc);
	cc.Durable = argv[1];
	cc.AckPolicy = js_AckExplicit;
	s = js_AddConsumer(&ci, js, argv[0], &cc, NULL, NULL);
	jsConsumerInfo_Destroy(ci);
	return s == NATS_OK ? 0 : 1;
}

/* Binds to the durable consumer (made by op_consumer) and fetches what is there. */
static int op_fetch(natsConnection *nc, jsCtx *js, char **argv)
{
	natsSubscription *sub = NULL;
	natsMsgList list = { 0 };
	jsSubOptions so;
	natsStatus s;

	jsSubOptions_Init(&so);
	so.Stream = argv[0];
	so.Consumer = argv[1];
	s = js_PullSubscribe(&sub, js, NULL, NULL, NULL, &so, NULL);
	if (s == NATS_OK)
		s = natsSubscription_Fetch(&list, sub, 1, WAIT_MS, NULL);
	if (s == NATS_OK)
		printf("fetched %d\n", list.Count);
	for (int i = 0; i < list.Count; i++)
		natsMsg_Ack(list.Msgs[i], NULL);
	natsMsgList_Destroy(&list);
	natsSubscription_Destroy(sub);
	return s == NATS_OK ? 0 : 1;
}

static int op_get(natsConnection *nc, jsCtx *js, char **argv)
{
	natsMsg *msg = NULL;
	natsStatus s = js_GetMsg(&msg, js, argv[0], strtoull(argv[1], NULL, 10), NULL, NULL);

	natsMsg_Destroy(msg);
	return s == NATS_OK ? 0 : 1;
}

/* The first and last sequence STREAM holds; 0, or -1 when it cannot be had. */
static int stream_range(jsCtx *js, const char *stream, uint64_t *first, uint64_t *last)
{
	jsStreamInfo *si = NULL;

	if (js_GetStreamInfo(&si, js, stream, NULL, NULL) != NATS_OK)
		return -1;
	*first = si->State.FirstSeq;
	*last = si->State.LastSeq;
	jsStreamInfo_Destroy(si);
	return 0;
}

/* Prints the data of each message of STREAM on SUBJECT, one a line (small test streams). */
static int op_dump(natsConnection *nc, jsCtx *js, char **argv)
{
	uint64_t first, last;

	if (stream_range(js, argv[0], &first, &last))
		return 1;
	for (uint64_t seq = first; seq && seq <= last; seq++) {
		natsMsg *m = NULL;

		if (js_GetMsg(&m, js, argv[0], seq, NULL, NULL) == NATS_OK &&
		    !strcmp(natsMsg_GetSubject(m), argv[1]))
			printf("%.*s\n", natsMsg_GetDataLength(m), natsMsg_GetData(m));
		natsMsg_Destroy(m);
	}
	return 0;
}

/*
 * Prints each message of STREAM as "SEQ SUBJECT SIZE" and its headers as KEY=VALUE: what the
 * broker sees besides the payload, for the VM suite's checks and the demo.
 */
static int op_list(natsConnection *nc, jsCtx *js, char **argv)
{
	uint64_t first, last;

	if (stream_range(js, argv[0], &first, &last))
		return 1;
	for (uint64_t seq = first; seq && seq <= last; seq++) {
		natsMsg *m = NULL;
		const char **keys = NULL;
		const char *value;
		int n = 0;

		if (js_GetMsg(&m, js, argv[0], seq, NULL, NULL) != NATS_OK)
			continue; /* purged */
		printf("%llu %s %d", (unsigned long long)seq, natsMsg_GetSubject(m),
		       natsMsg_GetDataLength(m));
		if (natsMsgHeader_Keys(m, &keys, &n) == NATS_OK)
			for (int i = 0; i < n; i++)
				if (natsMsgHeader_Get(m, keys[i], &value) == NATS_OK)
					printf(" %s=%s", keys[i], value);
		printf("\n");
		free((void *)keys);
		natsMsg_Destroy(m);
	}
	return 0;
}

static int op_rmconsumer(natsConnection *nc, jsCtx *js, char **argv)
{
	return js_DeleteConsumer(js, argv[0], argv[1], NULL, NULL) == NATS_OK ? 0 : 1;
}

static int op_info(natsConnection *nc, jsCtx *js, char **argv)
{
	jsStreamInfo *si = NULL;
	natsStatus s = js_GetStreamInfo(&si, js, argv[0], NULL, NULL);

	if (s == NATS_OK)
		printf("messages %llu replicas %lld storage %s cluster %s\n",
		       (unsigned long long)si->State.Msgs, (long long)si->Config->Replicas,
		       si->Config->Storage == js_FileStorage ? "file" : "memory",
		       si->Cluster && si->Cluster->Name ? si->Cluster->Name : "none");
	jsStreamInfo_Destroy(si);
	return s == NATS_OK ? 0 : 1;
}

/* A stream in memory, one replica: what init must report as different, not change. */
static int op_mkstream(natsConnection *nc, jsCtx *js, char **argv)
{
	jsStreamConfig cfg;
	const char *subject = argv[1];

	jsStreamConfig_Init(&cfg);
	cfg.Name = argv[0];
	cfg.Subjects = &subject;
	cfg.SubjectsLen = 1;
	cfg.Storage = js_MemoryStorage;
	return js_AddStream(NULL, js, &cfg, NULL, NULL) == NATS_OK ? 0 : 1;
}

/* As evtap-fleet init makes a stream (file storage, DenyDelete, DenyPurge): an older init's. */
static int op_mkstream_init(natsConnection *nc, jsCtx *js, char **argv)
{
	jsStreamConfig cfg;
	const char *subject = argv[1];

	jsStreamConfig_Init(&cfg);
	cfg.Name = argv[0];
	cfg.Subjects = &subject;
	cfg.SubjectsLen = 1;
	cfg.Storage = js_FileStorage;
	cfg.DenyDelete = true;
	cfg.DenyPurge = true;
	return js_AddStream(NULL, js, &cfg, NULL, NULL) == NATS_OK ? 0 : 1;
}

/* An ephemeral push consumer of FILTER delivering to DELIVER: a feed made by its reader. */
static int op_pushconsumer(natsConnection *nc, jsCtx *js, char **argv)
{
	jsConsumerConfig cc;

	jsConsumerConfig_Init(&cc);
	cc.FilterSubject = argv[1];
	cc.DeliverSubject = argv[2];
	cc.AckPolicy = js_AckExplicit;
	return js_AddConsumer(NULL, js, argv[0], &cc, NULL, NULL) == NATS_OK ? 0 : 1;
}

/* Binds the durable push consumer DURABLE of STREAM, as evtap-shipd binds its feed. */
static int op_bindpush(natsConnection *nc, jsCtx *js, char **argv)
{
	natsSubscription *sub = NULL;
	jsSubOptions so;
	natsStatus s;

	jsSubOptions_Init(&so);
	so.Stream = argv[0];
	so.Consumer = argv[1];
	so.ManualAck = true;
	s = js_SubscribeSync(&sub, js, NULL, NULL, &so, NULL);
	natsSubscription_Destroy(sub);
	return settled(nc, s);
}

static int op_rmstream(natsConnection *nc, jsCtx *js, char **argv)
{
	return js_DeleteStream(js, argv[0], NULL, NULL) == NATS_OK ? 0 : 1;
}

/* $JS.API.INFO: JetStream answers for this account (the harness waits for it). */
static int op_account(natsConnection *nc, jsCtx *js, char **argv)
{
	jsAccountInfo *ai = NULL;
	natsStatus s = js_GetAccountInfo(&ai, js, NULL, NULL);

	if (s == NATS_OK)
		printf("streams %lld\n", (long long)ai->Streams);
	jsAccountInfo_Destroy(ai);
	return s == NATS_OK ? 0 : 1;
}

static int op_purge(natsConnection *nc, jsCtx *js, char **argv)
{
	jsOptions o;

	jsOptions_Init(&o);
	o.Stream.Purge.Subject = strcmp(argv[1], "-") ? argv[1] : NULL;
	return js_PurgeStream(js, argv[0], &o, NULL) == NATS_OK ? 0 : 1;
}

/* Prints the value; a missing key is an allowed read, exit 3 tells it apart. */
static int op_kvget(natsConnection *nc, jsCtx *js, char **argv)
{
	kvStore *kv = NULL;
	kvEntry *e = NULL;
	natsStatus s = js_KeyValue(&kv, js, argv[0]);

	if (s == NATS_OK)
		s = kvStore_Get(&e, kv, argv[1]);
	if (s == NATS_OK)
		printf("%s\n", kvEntry_ValueString(e));
	kvEntry_Destroy(e);
	kvStore_Destroy(kv);
	return s == NATS_OK ? 0 : s == NATS_NOT_FOUND ? 3 : 1;
}

static int op_kvput(natsConnection *nc, jsCtx *js, char **argv)
{
	kvStore *kv = NULL;
	natsStatus s = js_KeyValue(&kv, js, argv[0]);

	if (s == NATS_OK)
		s = kvStore_PutString(NULL, kv, argv[1], argv[2]);
	kvStore_Destroy(kv);
	return s == NATS_OK ? 0 : 1;
}

/* Watches the whole bucket until the initial values have all arrived (the nil marker). */
static int op_kvwatch(natsConnection *nc, jsCtx *js, char **argv)
{
	kvStore *kv = NULL;
	kvWatcher *w = NULL;
	kvEntry *e = NULL;
	natsStatus s = js_KeyValue(&kv, js, argv[0]);
	int n = 0;

	if (s == NATS_OK)
		s = kvStore_WatchAll(&w, kv, NULL);
	while (s == NATS_OK && (s = kvWatcher_Next(&e, w, WAIT_MS)) == NATS_OK && e) {
		n++;
		kvEntry_Destroy(e);
	}
	if (s == NATS_OK)
		printf("watched %d\n", n);
	kvWatcher_Destroy(w);
	kvStore_Destroy(kv);
	return s == NATS_OK ? 0 : 1;
}

static int op_request(natsConnection *nc, jsCtx *js, char **argv)
{
	natsMsg *reply = NULL;
	natsStatus s = natsConnection_RequestString(&reply, nc, argv[0], "req", WAIT_MS);

	if (s == NATS_OK)
		printf("%.*s\n", natsMsg_GetDataLength(reply), natsMsg_GetData(reply));
	natsMsg_Destroy(reply);
	return s == NATS_OK ? 0 : 1;
}

/* Subscribes, says so on stdout (the test waits for it), and answers one request. */
static int op_serve(natsConnection *nc, jsCtx *js, char **argv)
{
	natsSubscription *sub = NULL;
	natsMsg *msg = NULL;
	natsStatus s = natsConnection_SubscribeSync(&sub, nc, argv[0]);

	if (settled(nc, s))
		return 1;
	printf("serving\n");
	fflush(stdout);
	s = natsSubscription_NextMsg(&msg, sub, 5 * WAIT_MS);
	if (s == NATS_OK)
		s = natsConnection_PublishString(nc, natsMsg_GetReply(msg), "released");
	if (s == NATS_OK)
		s = natsConnection_Flush(nc);
	natsMsg_Destroy(msg);
	natsSubscription_Destroy(sub);
	return s == NATS_OK && !fleet_conn_refused(nc) ? 0 : 1;
}

/*
 * Connected in the background, as a daemon is: says so at once (the servers may be down),
 * then waits up to 30 s for the connection.
 */
static int op_wait(natsConnection *nc, jsCtx *js, char **argv)
{
	printf("waiting\n");
	fflush(stdout);
	for (int i = 0; i < 300; i++) {
		if (natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED) {
			printf("connected\n");
			return 0;
		}
		usleep(100000);
	}
	return 1;
}

static const struct op ops[] = {
	{ "pub", 1, op_pub, "SUBJECT", 0 },
	{ "sub", 1, op_sub, "SUBJECT", 0 },
	{ "jspub", 2, op_jspub, "SUBJECT MSG-ID", 0 },
	{ "consumer", 2, op_consumer, "STREAM DURABLE", 0 },
	{ "fetch", 2, op_fetch, "STREAM DURABLE", 0 },
	{ "get", 2, op_get, "STREAM SEQ", 0 },
	{ "info", 1, op_info, "STREAM", 0 },
	{ "dump", 2, op_dump, "STREAM SUBJECT", 0 },
	{ "list", 1, op_list, "STREAM", 0 },
	{ "rmconsumer", 2, op_rmconsumer, "STREAM DURABLE", 0 },
	{ "purge", 2, op_purge, "STREAM SUBJECT|-", 0 },
	{ "mkstream", 2, op_mkstream, "STREAM SUBJECT", 0 },
	{ "rmstream", 1, op_rmstream, "STREAM", 0 },
	{ "mkstream-init", 2, op_mkstream_init, "STREAM SUBJECT", 0 },
	{ "pushconsumer", 3, op_pushconsumer, "STREAM FILTER DELIVER", 0 },
	{ "bindpush", 2, op_bindpush, "STREAM DURABLE", 0 },
	{ "account", 0, op_account, "", 0 },
	{ "wait", 0, op_wait, "", FLEET_CONNECT_RETRY },
	{ "kvget", 2, op_kvget, "BUCKET KEY", 0 },
	{ "kvput", 3, op_kvput, "BUCKET KEY VALUE", 0 },
	{ "kvwatch", 1, op_kvwatch, "BUCKET", 0 },
	{ "request", 1, op_request, "SUBJECT", 0 },
	{ "serve", 1, op_serve, "SUBJECT", 0 },
};

static int usage(void)
{
	fprintf(stderr, "usage: evtap-fleet-op SERVERS CREDENTIALS OP ARG...; OP is one of:\n");
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		fprintf(stderr, "  %s %s\n", ops[i].name, ops[i].usage);
	return 2;
}

/*
 * A refused request is never answered, so the operation would wait out its timeout; the
 * refusal itself arrives at once on the connection, and ends the program.
 */
static volatile int op_done;

static void *watch_refusal(void *arg)
{
	natsConnection *nc = arg;

	while (!op_done) {
		if (fleet_conn_refused(nc))
			_exit(1);
		usleep(10000);
	}
	return NULL;
}

static int run(const struct op *op, struct fleet_conf *c, char **argv)
{
	pthread_t watcher;
	natsConnection *nc = NULL;
	jsCtx *js = NULL;
	jsOptions jo;
	char err[512];
	int ret = 1, watching;

	if (fleet_connect(&nc, c, "evtap-fleet-op", op->connect_flags, err, sizeof(err))) {
		fprintf(stderr, "evtap-fleet-op: %s\n", err);
		return 1;
	}
	watching = pthread_create(&watcher, NULL, watch_refusal, nc) == 0;
	jsOptions_Init(&jo);
	jo.Wait = WAIT_MS;
	if (natsConnection_JetStream(&js, nc, &jo) == NATS_OK)
		ret = op->run(nc, js, argv);
	op_done = 1;
	if (watching)
		pthread_join(watcher, NULL);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	return ret;
}

int main(int argc, char **argv)
{
	struct fleet_conf c;
	char err[512];
	int ret;

	log_init("evtap-fleet-op", LOG_WARNING);
	if (argc < 4)
		return usage();
	fleet_conf_init(&c);
	if (fleet_conf_set(&c, "servers", argv[1], err, sizeof(err)) ||
	    fleet_conf_set(&c, "credentials", argv[2], err, sizeof(err))) {
		fprintf(stderr, "evtap-fleet-op: %s\n", err);
		return 2;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcmp(argv[3], ops[i].name))
			continue;
		if (argc != 4 + ops[i].nargs)
			return usage();
		ret = run(&ops[i], &c, argv + 4);
		fleet_conf_free(&c);
		nats_Close();
		return ret;
	}
	return usage();
}
