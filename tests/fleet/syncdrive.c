// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-syncdrive: the fleet consent suite's driver (tests/fleet/consent.sh).
 *
 *   run OPTIONS --account NAME=UID...   runs consent sync, forget, the fleet's policy and the
 *                                       access log's mirror
 *                                       (user/shipd/sync.h) as one machine's shipper would, as
 *                                       the ship user, until SIGTERM
 *   setup                               makes the streams and buckets evtap-fleet init makes
 *   publish PERSON HOST N               N data messages of PERSON from HOST
 *   durable                             the pipeline's durable consumer, nothing read yet
 *   drain                               reads the durable to its end: "PERSON N" per person
 *   person NAME                         the pseudonym of NAME under --key
 *
 * Common options: --servers URLS --creds FILE --key FILE. run also takes --host-id ID,
 * --data-dir DIR (evtapd's), --state-dir DIR, --socket PATH and --as UID (the ship user).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include "access_log.h"
#include "consent_sync.h"
#include "fleet_conf.h"
#include "fleet_conn.h"
#include "forget.h"
#include "policy_sync.h"
#include "log.h"

#define POLL_NS	 20000000L
#define WAIT_MS	 2000
#define MAX_ACCT 16

struct drive {
	struct fleet_conf conf;
	unsigned char key[FLEET_KEY_LEN];
	const char *host_id, *data_dir, *state_dir, *socket;
	uid_t as;
	struct sync_account acct[MAX_ACCT];
	int nacct;
	natsConnection *nc;
	jsCtx *js;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
}

static int fail(const char *what, const char *why)
{
	fprintf(stderr, "syncdrive: %s: %s\n", what, why);
	return 1;
}

/* The accounts given on the command line stand for the machine's passwd. */
static int drive_accounts(void *ctx, struct sync_account *out, int max)
{
	struct drive *d = ctx;
	int n = d->nacct < max ? d->nacct : max;

	memcpy(out, d->acct, (size_t)n * sizeof(*out));
	return n;
}

static int add_account(struct drive *d, const char *arg)
{
	char name[64];
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg || d->nacct == MAX_ACCT || eq - arg >= (long)sizeof(name))
		return -1;
	snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
	d->acct[d->nacct].uid = (uint32_t)strtoul(eq + 1, NULL, 10);
	return fleet_pseudonym(d->acct[d->nacct++].person, d->key, name);
}

static int parse(struct drive *d, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "servers", required_argument, NULL, 's' },
		{ "creds", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "host-id", required_argument, NULL, 'h' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "state-dir", required_argument, NULL, 't' },
		{ "socket", required_argument, NULL, 'S' },
		{ "as", required_argument, NULL, 'a' },
		{ "account", required_argument, NULL, 'A' },
		{ 0 },
	};
	char err[512];
	int c, ret = 0;

	fleet_conf_init(&d->conf);
	while (!ret && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			ret = fleet_conf_set(&d->conf, "servers", optarg, err, sizeof(err));
			break;
		case 'c':
			ret = fleet_conf_set(&d->conf, "credentials", optarg, err, sizeof(err));
			break;
		case 'k':
			ret = fleet_read_key(optarg, d->key, err, sizeof(err));
			break;
		case 'h':
			d->host_id = optarg;
			break;
		case 'd':
			d->data_dir = optarg;
			break;
		case 't':
			d->state_dir = optarg;
			break;
		case 'S':
			d->socket = optarg;
			break;
		case 'a':
			d->as = (uid_t)strtoul(optarg, NULL, 10);
			break;
		case 'A':
			ret = add_account(d, optarg);
			snprintf(err, sizeof(err), "--account %s: expected NAME=UID after --key",
				 optarg);
			break;
		default:
			return fail("usage", "see tests/fleet/syncdrive.c");
		}
	}
	return ret ? fail("option", err) : 0;
}

static int connect_fleet(struct drive *d, unsigned int flags)
{
	char err[512];
	jsOptions o;

	if (fleet_connect(&d->nc, &d->conf, "syncdrive", flags, err, sizeof(err)))
		return fail("connect", err);
	jsOptions_Init(&o);
	o.Wait = WAIT_MS;
	return natsConnection_JetStream(&d->js, d->nc, &o) == NATS_OK ? 0 : fail("js", "context");
}

/* The ship user from here on: evtapd tells it by SO_PEERCRED. */
static int become(uid_t uid)
{
	return setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid) ? -1 : 0;
}

static int cmd_run(struct drive *d)
{
	struct timespec pause = { 0, POLL_NS };
	struct sigaction sa = { .sa_handler = on_signal };
	struct consent_sync *cs = NULL;
	struct forget *fg = NULL;
	struct policy_sync *ps = NULL;
	struct access_log *al = NULL;
	char host[FLEET_PSEUDONYM_LEN + 1];
	struct sync_host h = {
		.host = host,
		.data_dir = d->data_dir,
		.state_dir = d->state_dir,
		.socket = d->socket,
		.accounts = drive_accounts,
		.ctx = d,
	};

	if (!d->host_id || !d->data_dir || !d->state_dir || !d->socket)
		return fail("run", "--host-id, --data-dir, --state-dir and --socket are needed");
	if (fleet_pseudonym(host, d->key, d->host_id) || connect_fleet(d, FLEET_CONNECT_RETRY))
		return 1;
	if (d->as && become(d->as))
		return fail("run", "cannot become the ship user");
	h.nc = d->nc;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (consent_sync_start(&cs, &h) || forget_start(&fg, &h) || policy_sync_start(&ps, &h) ||
	    access_log_start(&al, &h))
		return fail("run", "cannot start the modules");
	printf("host %s\n", host);
	fflush(stdout);
	while (!stopping) {
		consent_sync_poll(cs);
		forget_poll(fg);
		policy_sync_poll(ps);
		access_log_poll(al);
		nanosleep(&pause, NULL);
	}
	consent_sync_stop(cs);
	forget_stop(fg);
	policy_sync_stop(ps);
	access_log_stop(al);
	return 0;
}

static int add_stream(struct drive *d, const char *name, const char *subject)
{
	jsStreamConfig cfg;

	jsStreamConfig_Init(&cfg);
	cfg.Name = name;
	cfg.Subjects = &subject;
	cfg.SubjectsLen = 1;
	cfg.Duplicates = 120 * 1000000000LL;
	return js_AddStream(NULL, d->js, &cfg, NULL, NULL) == NATS_OK ? 0 : fail("stream", name);
}

static int add_bucket(struct drive *d, const char *name, int history)
{
	kvStore *kv = NULL;
	kvConfig kc;
	natsStatus s;

	kvConfig_Init(&kc);
	kc.Bucket = name;
	kc.History = history;
	s = js_CreateKeyValue(&kv, d->js, &kc);
	kvStore_Destroy(kv);
	return s == NATS_OK ? 0 : fail("bucket", name);
}

static int cmd_setup(struct drive *d)
{
	return add_stream(d, FLEET_STREAM_DATA, FLEET_SUBJECTS_DATA) ||
	       add_stream(d, FLEET_STREAM_KEYS, FLEET_SUBJECTS_KEYS) ||
	       add_bucket(d, FLEET_KV_CONSENT, 8) || add_bucket(d, FLEET_KV_FORGET, 8) ||
	       add_bucket(d, FLEET_KV_POLICY, 8) || add_bucket(d, FLEET_KV_RECEIPTS, 1);
}

static int cmd_publish(struct drive *d, char **argv)
{
	char subject[160];
	int n = atoi(argv[2]);

	if (fleet_subject_data(subject, sizeof(subject), argv[0], argv[1]))
		return fail("publish", "bad person or host");
	for (int i = 0; i < n; i++)
		if (js_Publish(NULL, d->js, subject, "sealed", 6, NULL, NULL) != NATS_OK)
			return fail("publish", subject);
	return 0;
}

static int cmd_durable(struct drive *d)
{
	jsConsumerConfig cc;

	jsConsumerConfig_Init(&cc);
	cc.Durable = FLEET_PIPELINE_DURABLE;
	cc.AckPolicy = js_AckExplicit;
	return js_AddConsumer(NULL, d->js, FLEET_STREAM_DATA, &cc, NULL, NULL) == NATS_OK
		       ? 0
		       : fail("durable", FLEET_PIPELINE_DURABLE);
}

struct tally {
	char person[FLEET_PSEUDONYM_LEN + 1];
	int n;
};

static void count(struct tally *t, int *nt, const char *subject)
{
	char person[FLEET_PSEUDONYM_LEN + 1] = "";
	int i;

	sscanf(subject, "evtap.v1.data.%32[^.]", person);
	for (i = 0; i < *nt && strcmp(t[i].person, person); i++)
		;
	if (i == *nt && *nt < 8)
		snprintf(t[(*nt)++].person, sizeof(t[0].person), "%s", person);
	if (i < *nt)
		t[i].n++;
}

/* Everything the durable delivers, acknowledged, until a fetch finds nothing more. */
static int cmd_drain(struct drive *d)
{
	natsSubscription *sub = NULL;
	struct tally t[8];
	jsSubOptions so;
	int nt = 0, total = 0;
	natsStatus s;

	jsSubOptions_Init(&so);
	so.Stream = FLEET_STREAM_DATA;
	so.Consumer = FLEET_PIPELINE_DURABLE;
	if (js_PullSubscribe(&sub, d->js, NULL, NULL, NULL, &so, NULL) != NATS_OK)
		return fail("drain", "bind the durable");
	for (;;) {
		natsMsgList list = { 0 };
		s = natsSubscription_Fetch(&list, sub, 100, 1000, NULL);
		for (int i = 0; i < list.Count; i++) {
			count(t, &nt, natsMsg_GetSubject(list.Msgs[i]));
			natsMsg_Ack(list.Msgs[i], NULL);
		}
		total += list.Count;
		natsMsgList_Destroy(&list);
		if (s != NATS_OK)
			break;
	}
	natsSubscription_Destroy(sub);
	printf("fetched %d\n", total);
	for (int i = 0; i < nt; i++)
		printf("%s %d\n", t[i].person, t[i].n);
	return 0;
}

int main(int argc, char **argv)
{
	static struct drive d;
	const char *cmd = argc > 1 ? argv[1] : "";
	char person[FLEET_PSEUDONYM_LEN + 1];
	int ret;

	log_init("syncdrive", LOG_INFO);
	if (parse(&d, argc - 1, argv + 1))
		return 2;
	argv += optind + 1;
	argc -= optind + 1;
	if (!strcmp(cmd, "person") && argc == 1) {
		ret = fleet_pseudonym(person, d.key, argv[0]);
		printf("%s\n", person);
		return ret ? 1 : 0;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(&d);
	if (connect_fleet(&d, 0))
		return 1;
	if (!strcmp(cmd, "setup"))
		ret = cmd_setup(&d);
	else if (!strcmp(cmd, "publish") && argc == 3)
		ret = cmd_publish(&d, argv);
	else if (!strcmp(cmd, "durable"))
		ret = cmd_durable(&d);
	else if (!strcmp(cmd, "drain"))
		ret = cmd_drain(&d);
	else
		ret = fail("usage", "see tests/fleet/syncdrive.c");
	jsCtx_Destroy(d.js);
	natsConnection_Destroy(d.nc);
	return ret;
}
