// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-pull --purpose P --out DIR [-c FILE] [--batch N] [--key-ttl S] [--idle-exit S]: the
 * pipeline's consumer (pull.h). FILE's [fleet] section (default /etc/evtap/pull.conf) names
 * the servers and the pipeline's credentials. It runs until stopped, or until nothing came for
 * S seconds with --idle-exit; a lost connection is waited out, and reading resumes where the
 * durable consumer's acknowledgements end. Exit: 0; 1 an error; 2 bad usage; 3 a release was
 * refused (those blocks skipped); 4 a bad block was skipped (counted, reported).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "fleet_conf.h"
#include "fleet_conn.h"
#include "log.h"
#include "pull.h"
#include "purposes.h"

#define FETCH_MS  1000
#define ACK_WAIT  10   /* s: a block not acknowledged by then (a crash) comes again */
#define NAK_DELAY 1000 /* ms: a block whose key could not be had is tried again after it */
#define ID_LEN	  (3 * FLEET_PSEUDONYM_LEN + 48)

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
}

struct opts {
	const char *conf, *out;
	int batch;
	int64_t idle_exit_ns;
};

static int subscribe(struct pull *p)
{
	jsSubOptions so;
	jsErrCode jerr = 0;

	jsSubOptions_Init(&so);
	so.Stream = FLEET_STREAM_DATA;
	so.Config.AckPolicy = js_AckExplicit;
	so.Config.AckWait = (int64_t)ACK_WAIT * 1000000000;
	if (js_PullSubscribe(&p->sub, p->js, FLEET_SUBJECTS_DATA, FLEET_PIPELINE_DURABLE, NULL, &so,
			     &jerr) != NATS_OK) {
		p->sub = NULL;
		return -1;
	}
	return 0;
}

static int bind_all(struct pull *p)
{
	jsOptions o;

	jsOptions_Init(&o);
	o.Wait = PULL_WAIT_MS;
	if (!p->js && natsConnection_JetStream(&p->js, p->nc, &o) != NATS_OK)
		return -1;
	if (!p->forget && js_KeyValue(&p->forget, p->js, FLEET_KV_FORGET) != NATS_OK)
		return -1;
	if (!p->receipts && js_KeyValue(&p->receipts, p->js, FLEET_KV_RECEIPTS) != NATS_OK)
		return -1;
	return p->sub ? 0 : subscribe(p);
}

static void progress(const struct pull *p, int final)
{
	const struct pull_stats *s = &p->st;
	FILE *to = final ? stdout : stderr;

	fprintf(to,
		"%sblocks %llu records %llu dropped-level %llu duplicates %llu refused %llu "
		"bad %llu%s",
		final ? "" : "\r", (unsigned long long)s->blocks, (unsigned long long)s->records,
		(unsigned long long)s->dropped_level, (unsigned long long)s->duplicates,
		(unsigned long long)s->refused, (unsigned long long)s->bad, final ? "\n" : "");
	fflush(to);
}

/* Handles a fetched batch: what is durable is acknowledged, the rest comes back. */
static int take(struct pull *p, natsMsgList *list)
{
	char **ids = calloc((size_t)list->Count, sizeof(char *)), (*buf)[ID_LEN];
	int n = 0, *ok = calloc((size_t)list->Count, sizeof(int)), err = -ENOMEM, later = 0;

	buf = calloc((size_t)list->Count, ID_LEN);
	if (!ids || !ok || !buf)
		goto out;
	for (int i = 0; i < list->Count && !stopping; i++) {
		if (later || block_handle(p, list->Msgs[i], buf[i], ID_LEN)) {
			later = 1; /* the custodian is away, or a write failed: stop here */
			continue;
		}
		ok[i] = 1;
		if (buf[i][0])
			ids[n++] = buf[i];
	}
	err = seen_commit(p->seen, p, ids, n);
	for (int i = 0; !err && i < list->Count; i++)
		if (ok[i])
			natsMsg_Ack(list->Msgs[i], NULL);
		else
			natsMsg_NakWithDelay(list->Msgs[i], NAK_DELAY, NULL);
out:
	free(ids);
	free(ok);
	free(buf);
	return err;
}

static int run(struct pull *p, const struct opts *o)
{
	int64_t last = clock_mono_ns(), shown = 0;
	int tty = isatty(STDERR_FILENO);
	natsMsgList list;
	jsErrCode jerr;
	natsStatus s;

	while (!stopping && !(o->idle_exit_ns && clock_mono_ns() - last > o->idle_exit_ns)) {
		if (natsConnection_Status(p->nc) != NATS_CONN_STATUS_CONNECTED || bind_all(p)) {
			nats_Sleep(200);
			continue;
		}
		pull_forget_poll(p);
		s = natsSubscription_Fetch(&list, p->sub, o->batch, FETCH_MS, &jerr);
		if (s == NATS_OK) {
			last = clock_mono_ns();
			if (take(p, &list)) {
				natsMsgList_Destroy(&list);
				log_err("cannot make the output durable in %s", o->out);
				return 1;
			}
			natsMsgList_Destroy(&list);
		} else if (s != NATS_TIMEOUT) {
			/* The consumer may have been made again (the eraser's purge): bind anew. */
			natsSubscription_Destroy(p->sub);
			p->sub = NULL;
		}
		if (tty && clock_mono_ns() - shown > 1000000000) {
			progress(p, 0);
			shown = clock_mono_ns();
		}
	}
	if (tty)
		fputc('\n', stderr);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: evtap-pull --purpose P --out DIR [-c FILE] [--batch N] "
			"[--key-ttl SECONDS] [--idle-exit SECONDS]\n");
	return 2;
}

static int parse(int argc, char **argv, struct opts *o, struct pull *p)
{
	static const struct option longs[] = {
		{ "purpose", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "batch", required_argument, NULL, 'b' },
		{ "key-ttl", required_argument, NULL, 't' },
		{ "idle-exit", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "c:", longs, NULL)) != -1) {
		if (opt == 'c')
			o->conf = optarg;
		else if (opt == 'p')
			p->purpose = optarg;
		else if (opt == 'o')
			o->out = optarg;
		else if (opt == 'b')
			o->batch = atoi(optarg);
		else if (opt == 't')
			p->key_ttl_ns = atoll(optarg) * 1000000000;
		else if (opt == 'i')
			o->idle_exit_ns = atoll(optarg) * 1000000000;
		else
			return -1;
	}
	return optind == argc && p->purpose && purpose_name_ok(p->purpose, strlen(p->purpose)) &&
			       o->out && o->batch > 0 && o->batch <= 4096 && p->key_ttl_ns > 0
		       ? 0
		       : -1;
}

static int setup(struct pull *p, const struct opts *o)
{
	struct fleet_conf fc;
	char err[1024];
	int ret;

	p->out_fd = open(o->out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p->out_fd < 0 || seen_open(&p->seen, p->out_fd) || !(p->reader = seg_reader_new())) {
		log_err("%s: cannot open the output directory or its .seen log: %m", o->out);
		return 1;
	}
	fleet_conf_init(&fc);
	ret = fleet_conf_load(&fc, o->conf, 0, err, sizeof(err)) ||
	      fleet_connect(&p->nc, &fc, "evtap-pull", FLEET_CONNECT_RETRY, err, sizeof(err));
	fleet_conf_free(&fc);
	if (ret)
		log_err("%s", err);
	return ret;
}

static void teardown(struct pull *p)
{
	partition_sync(p);
	while (p->nparts)
		fclose(p->parts[--p->nparts].f);
	natsSubscription_Destroy(p->sub);
	kvWatcher_Destroy(p->forget_watch);
	kvStore_Destroy(p->forget);
	kvStore_Destroy(p->receipts);
	jsCtx_Destroy(p->js);
	natsConnection_Destroy(p->nc);
	for (int i = 0; i < p->nkeys; i++)
		sodium_memzero(p->keys[i].key, sizeof(p->keys[i].key));
	free(p->keys);
	seen_close(p->seen);
	seg_reader_free(p->reader);
	if (p->out_fd >= 0)
		close(p->out_fd);
}

int main(int argc, char **argv)
{
	static struct pull p = { .out_fd = -1, .key_ttl_ns = 300 * 1000000000LL };
	struct opts o = { .conf = "/etc/evtap/pull.conf", .batch = 256 };
	struct sigaction sa = { .sa_handler = on_signal };
	int ret;

	if (parse(argc, argv, &o, &p) || sodium_init() < 0)
		return usage();
	log_init("evtap-pull", LOG_INFO);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	ret = setup(&p, &o);
	if (!ret)
		ret = run(&p, &o);
	teardown(&p);
	if (ret)
		return ret;
	progress(&p, 1);
	return p.st.bad ? 4 : p.st.refused ? 3 : 0;
}
