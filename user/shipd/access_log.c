// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The access log's mirror (access_log.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "access.h"
#include "clock.h"
#include "fileio.h"
#include "log.h"
#include "access_log.h"

#define BATCH	     64 /* records taken per poll */
#define NEXT_WAIT_MS 1

struct access_log {
	const struct sync_host *h;
	jsCtx *js;
	natsSubscription *sub;
	int64_t bind_at;
	int fd;		/* the mirror, for appending */
	uint64_t *seqs; /* the stream sequences stored, ascending */
	size_t nseqs, cap;
};

static int by_seq(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int stored(const struct access_log *al, uint64_t seq)
{
	return al->nseqs && bsearch(&seq, al->seqs, al->nseqs, sizeof(seq), by_seq);
}

/* Sequences come mostly in order: appended, and moved back to their place otherwise. */
static int remember(struct access_log *al, uint64_t seq)
{
	size_t i;

	if (al->nseqs == al->cap) {
		size_t cap = al->cap ? 2 * al->cap : 256;
		uint64_t *more = realloc(al->seqs, cap * sizeof(*more));
		if (!more)
			return -ENOMEM;
		al->seqs = more;
		al->cap = cap;
	}
	for (i = al->nseqs; i > 0 && al->seqs[i - 1] > seq; i--)
		al->seqs[i] = al->seqs[i - 1];
	al->seqs[i] = seq;
	al->nseqs++;
	return 0;
}

/*
 * What the mirror holds, into the sequences; a last line without its newline (a crash while it
 * was written, before its record was acknowledged) is cut off: it comes again.
 */
static int load(struct access_log *al)
{
	FILE *f = fdopen(dup(al->fd), "r");
	struct access_entry e;
	char *line = NULL, err[128];
	size_t cap = 0;
	off_t whole = 0;
	ssize_t n;

	if (!f)
		return -errno;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] != '\n')
			break;
		whole += (off_t)n;
		line[n - 1] = '\0';
		if (access_line_parse(line, &e, err, sizeof(err)))
			log_warn("%s/%s: a line is not an entry (%s); skipped", al->h->state_dir,
				 ACCESS_FILE, err);
		else if (!stored(al, e.seq) && remember(al, e.seq))
			n = -ENOMEM;
		if (n < 0)
			break;
	}
	free(line);
	fclose(f);
	if (n == -ENOMEM)
		return -ENOMEM;
	return ftruncate(al->fd, whole) ? -errno : 0;
}

int access_log_start(struct access_log **out, const struct sync_host *h)
{
	struct access_log *al = calloc(1, sizeof(*al));
	char path[4096];
	int err;

	if (!al)
		return -ENOMEM;
	al->h = h;
	snprintf(path, sizeof(path), "%s/%s", h->state_dir, ACCESS_FILE);
	al->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	err = al->fd < 0 ? -errno : load(al);
	if (err) {
		/* Shipping goes on; the feed keeps the records until the file can be written. */
		log_err("%s: %s: the access log is not mirrored", path, strerror(-err));
		if (al->fd >= 0)
			close(al->fd);
		al->fd = -1;
	}
	*out = al;
	return 0;
}

void access_log_stop(struct access_log *al)
{
	if (!al)
		return;
	natsSubscription_Destroy(al->sub);
	jsCtx_Destroy(al->js);
	if (al->fd >= 0)
		close(al->fd);
	free(al->seqs);
	free(al);
}

/* Binds this host's feed, which evtap-fleet made; an agent may not make one. */
static int bind_feed(struct access_log *al)
{
	char durable[80], filter[96];
	int64_t now = clock_mono_ns();
	jsErrCode jerr = 0;
	jsSubOptions so;
	jsOptions o;

	if (now < al->bind_at || fleet_audit_durable(durable, sizeof(durable), al->h->host) ||
	    fleet_audit_filter(filter, sizeof(filter), al->h->host))
		return -EAGAIN;
	jsOptions_Init(&o);
	o.Wait = SYNC_KV_WAIT_MS;
	jsSubOptions_Init(&so);
	so.Stream = FLEET_STREAM_AUDIT;
	so.Consumer = durable;
	so.ManualAck = true;
	if ((!al->js && natsConnection_JetStream(&al->js, al->h->nc, &o) != NATS_OK) ||
	    js_SubscribeSync(&al->sub, al->js, filter, &o, &so, &jerr) != NATS_OK) {
		al->sub = NULL;
		al->bind_at = now + SYNC_BIND_RETRY_NS;
		log_warn("fleet access log: feed %.14s: %s%s; trying again in %lld s", durable,
			 nats_GetLastError(NULL),
			 jerr == JSConsumerNotFoundErr
				 ? " (run evtap-fleet init on the admin machine: it makes the feed)"
				 : "",
			 SYNC_BIND_RETRY_NS / 1000000000LL);
		return -EAGAIN;
	}
	log_info("fleet access log: feed bound");
	return 0;
}

/* "evtap.v1.audit.<person>.<host>": the person, when host is this one. */
static int person_of(const struct access_log *al, const char *subject,
		     char person[FLEET_PSEUDONYM_LEN + 1])
{
	char want[128];

	if (sscanf(subject, "evtap.v1.audit.%32[0-9a-f]", person) != 1 ||
	    fleet_subject_audit_host(want, sizeof(want), person, al->h->host))
		return -EINVAL;
	return strcmp(subject, want) ? -EINVAL : 0;
}

/* The entry appended and made durable: a line, then fdatasync. */
static int append(struct access_log *al, const struct access_entry *e)
{
	char line[ACCESS_LINE_MAX + 1];
	int n = access_line_format(e, line, sizeof(line) - 1);

	if (n < 0)
		return n;
	line[n++] = '\n';
	return fileio_write_all(al->fd, line, (size_t)n) ?: fdatasync(al->fd) ? -errno : 0;
}

/*
 * One record: 0 when it may be acknowledged (stored now or before, or never to be stored),
 * or a negative errno when it was not stored and is to come again.
 */
static int take(struct access_log *al, natsMsg *m)
{
	char person[FLEET_PSEUDONYM_LEN + 1], err[128];
	jsMsgMetaData *meta = NULL;
	struct access_entry e;
	uint64_t seq;
	int ret;

	if (natsMsg_GetMetaData(&meta, m) != NATS_OK)
		return 0; /* not from the feed's consumer: nothing to acknowledge either */
	seq = meta->Sequence.Stream;
	jsMsgMetaData_Destroy(meta);
	if (stored(al, seq))
		return 0;
	if (person_of(al, natsMsg_GetSubject(m), person)) {
		log_warn("fleet access log: record %llu: not this host's subject; dropped",
			 (unsigned long long)seq);
		return 0;
	}
	if (access_record_parse(natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m), &e, err,
				sizeof(err))) {
		log_warn("fleet access log: record %llu: %s; dropped", (unsigned long long)seq,
			 err);
		return 0;
	}
	if (sync_uid_of(al->h, person, &e.uid)) {
		log_info("fleet access log: %.8s: no local account; record %llu dropped", person,
			 (unsigned long long)seq);
		return 0;
	}
	e.seq = seq;
	ret = append(al, &e) ?: remember(al, seq);
	if (ret)
		log_warn("%s/%s: %s; record %llu comes again", al->h->state_dir, ACCESS_FILE,
			 strerror(-ret), (unsigned long long)seq);
	return ret;
}

void access_log_poll(struct access_log *al)
{
	natsMsg *m = NULL;

	if (al->fd < 0 || !sync_connected(al->h) || (!al->sub && bind_feed(al)))
		return;
	for (int i = 0; i < BATCH; i++) {
		if (natsSubscription_NextMsg(&m, al->sub, NEXT_WAIT_MS) != NATS_OK)
			return;
		/* Not acknowledged, it is delivered again after the feed's ack wait. */
		if (!take(al, m))
			natsMsg_Ack(m, NULL);
		natsMsg_Destroy(m);
	}
}
