// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-custodian [-c FILE] [-k SECRET-KEY]: the key custodian (custodian.h). FILE's [fleet]
 * section (default /etc/evtap/custodian.conf) names the servers and the custodian's
 * credentials; SECRET-KEY (default /etc/evtap/fleet/custodian.sec) is the X25519 secret key,
 * which no other process of the fleet holds.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "custodian.h"
#include "fleet_conf.h"
#include "fleet_conn.h"
#include "fleet_pseudonym.h"
#include "log.h"

#define POLL_MS 200

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
}

static int bind_all(struct custodian *c)
{
	jsOptions o;

	jsOptions_Init(&o);
	o.Wait = CUSTODIAN_WAIT_MS;
	if (!c->js && natsConnection_JetStream(&c->js, c->nc, &o) != NATS_OK)
		return -1;
	if (!c->consent && js_KeyValue(&c->consent, c->js, FLEET_KV_CONSENT) != NATS_OK)
		return -1;
	if (!c->policy && js_KeyValue(&c->policy, c->js, FLEET_KV_POLICY) != NATS_OK)
		return -1;
	if (!c->forget && js_KeyValue(&c->forget, c->js, FLEET_KV_FORGET) != NATS_OK)
		return -1;
	if (!c->receipts && js_KeyValue(&c->receipts, c->js, FLEET_KV_RECEIPTS) != NATS_OK)
		return -1;
	return 0;
}

/*
 * Subscribes once the connection is up: a subscription asked for while the first connect is
 * still being tried fails, and once made the library keeps it across reconnects.
 */
static int subscribe(struct custodian *c, natsSubscription **sub)
{
	if (*sub)
		return 0;
	if (natsConnection_SubscribeSync(sub, c->nc, FLEET_SUBJECT_RELEASE) != NATS_OK) {
		*sub = NULL;
		return -1;
	}
	log_info("answering %s", FLEET_SUBJECT_RELEASE);
	return 0;
}

/* Requests wait in the subscription while the buckets are not bound yet. */
static void run(struct custodian *c, natsSubscription **sub)
{
	natsMsg *m;

	while (!stopping) {
		if (natsConnection_Status(c->nc) != NATS_CONN_STATUS_CONNECTED ||
		    subscribe(c, sub) || bind_all(c)) {
			nats_Sleep(POLL_MS);
			continue;
		}
		forget_poll(c);
		m = NULL;
		if (natsSubscription_NextMsg(&m, *sub, POLL_MS) == NATS_OK) {
			release_handle(c, m);
			natsMsg_Destroy(m);
		}
	}
}

static int load_key(struct custodian *c, const char *path, char *err, size_t len)
{
	/* Kept out of swap and core dumps: it opens every key of the fleet. */
	if (mlock(c->sk, sizeof(c->sk)) || prctl(PR_SET_DUMPABLE, 0))
		log_warn("the secret key may be swapped or dumped: %m");
	if (fleet_read_key(path, c->sk, err, len))
		return -1;
	return crypto_scalarmult_base(c->pk, c->sk) ? -1 : 0;
}

static int setup(struct custodian *c, const char *conf, const char *key)
{
	struct fleet_conf fc;
	char err[1024];
	int ret;

	fleet_conf_init(&fc);
	ret = fleet_conf_load(&fc, conf, 0, err, sizeof(err)) ||
	      load_key(c, key, err, sizeof(err)) ||
	      fleet_connect(&c->nc, &fc, "evtap-custodian", FLEET_CONNECT_RETRY, err, sizeof(err));
	fleet_conf_free(&fc);
	if (ret)
		log_err("%s", err);
	return ret;
}

static void teardown(struct custodian *c, natsSubscription *sub)
{
	natsSubscription_Destroy(sub);
	kvWatcher_Destroy(c->forget_watch);
	kvStore_Destroy(c->consent);
	kvStore_Destroy(c->policy);
	kvStore_Destroy(c->forget);
	kvStore_Destroy(c->receipts);
	jsCtx_Destroy(c->js);
	natsConnection_Destroy(c->nc);
	sodium_memzero(c->sk, sizeof(c->sk));
}

static int usage(void)
{
	fprintf(stderr, "usage: evtap-custodian [-c FILE] [-k SECRET-KEY]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static struct custodian c;
	const char *conf = "/etc/evtap/custodian.conf", *key = "/etc/evtap/fleet/custodian.sec";
	struct sigaction sa = { .sa_handler = on_signal };
	natsSubscription *sub = NULL;
	int opt;

	while ((opt = getopt(argc, argv, "c:k:")) != -1) {
		if (opt == 'c')
			conf = optarg;
		else if (opt == 'k')
			key = optarg;
		else
			return usage();
	}
	if (optind != argc || sodium_init() < 0)
		return usage();
	log_init("evtap-custodian", LOG_INFO);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (setup(&c, conf, key)) {
		teardown(&c, sub);
		return 1;
	}
	run(&c, &sub);
	log_info("stopping: %llu released, %llu refused", (unsigned long long)c.released,
		 (unsigned long long)c.refused);
	teardown(&c, sub);
	return 0;
}
