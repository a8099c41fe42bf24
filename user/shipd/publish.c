// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Publishing: the connection (fleet_connect, reconnecting for ever with jitter), JetStream
 * async publishes of blocks with their Msg-Id and headers (docs/FLEET.md, "Messages"), and
 * the acknowledgement handler, which runs on libnats' thread and only marks the flight.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "fleet_conn.h"
#include "log.h"
#include "shipd.h"

#define ACK_WAIT_MS 5000 /* a publish not acknowledged by then failed: it is sent again */
#define KEY_WAIT_MS 2000
#define FORMAT	    "2"

static enum ship_error classify(natsStatus s, jsErrCode code)
{
	if (s == NATS_TIMEOUT)
		return SHIP_ERR_TIMEOUT;
	if (s == NATS_NO_RESPONDERS)
		return SHIP_ERR_NO_RESPONDERS;
	if (code || s == NATS_NOT_PERMITTED || s == NATS_ERR)
		return SHIP_ERR_REFUSED;
	if (s == NATS_CONNECTION_CLOSED || s == NATS_CONNECTION_DISCONNECTED ||
	    s == NATS_NOT_YET_CONNECTED)
		return SHIP_ERR_CONNECTION;
	return SHIP_ERR_OTHER;
}

/* The person is the fourth token of evtap.v1.data.<person>.<host>. */
static int person_of(const char *subject, char person[FLEET_PSEUDONYM_LEN + 1])
{
	const char *p = subject + strlen("evtap.v1.data.");
	const char *dot = strchr(p, '.');

	if (strncmp(subject, "evtap.v1.data.", 14) || !dot || dot - p != FLEET_PSEUDONYM_LEN)
		return -EINVAL;
	memcpy(person, p, FLEET_PSEUDONYM_LEN);
	person[FLEET_PSEUDONYM_LEN] = '\0';
	return 0;
}

static int header_u64(natsMsg *m, const char *name, uint64_t *v)
{
	const char *text = NULL;
	char *end;

	if (natsMsgHeader_Get(m, name, &text) != NATS_OK || !text)
		return -EINVAL;
	*v = strtoull(text, &end, 10);
	return *end ? -EINVAL : 0;
}

static void on_ack(jsCtx *js, natsMsg *m, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
	char person[FLEET_PSEUDONYM_LEN + 1];
	struct shipd *sd = closure;
	struct ship_user *u;
	struct flight *f = NULL;
	uint64_t seq, off;

	if (!person_of(natsMsg_GetSubject(m), person) && !header_u64(m, "Evtap-Segment", &seq) &&
	    !header_u64(m, "Evtap-Offset", &off)) {
		pthread_mutex_lock(&sd->lock);
		u = users_find_person(sd, person);
		f = u ? flights_find(u, seq, off) : NULL;
		if (f && f->state == FLIGHT_PENDING) {
			f->state = pae ? FLIGHT_FAILED : FLIGHT_ACKED;
			f->settled_ns = clock_mono_ns();
			if (pae)
				f->why = classify(pae->Err, pae->ErrCode);
			if (pa && pa->Duplicate)
				sd->c.duplicates++;
		}
		pthread_mutex_unlock(&sd->lock);
	}
	natsMsg_Destroy(m);
}

int publish_open(struct shipd *sd, char *err, size_t errlen)
{
	jsOptions jo;
	natsStatus s;

	if (fleet_connect(&sd->nc, &sd->conf, "evtap-shipd", FLEET_CONNECT_RETRY, err, errlen))
		return -1;
	jsOptions_Init(&jo);
	jo.PublishAsync.MaxPending = sd->conf.max_in_flight;
	jo.PublishAsync.AckHandler = on_ack;
	jo.PublishAsync.AckHandlerClosure = sd;
	/* The sender keeps within max-in-flight itself: a stall would only block the loop. */
	jo.PublishAsync.StallWait = 1;
	s = natsConnection_JetStream(&sd->js, sd->nc, &jo);
	if (s != NATS_OK) {
		snprintf(err, errlen, "JetStream: %s", natsStatus_GetText(s));
		return -1;
	}
	return 0;
}

void publish_close(struct shipd *sd)
{
	jsCtx_Destroy(sd->js);
	natsConnection_Destroy(sd->nc);
	sd->js = NULL;
	sd->nc = NULL;
}

bool publish_connected(struct shipd *sd)
{
	return natsConnection_Status(sd->nc) == NATS_CONN_STATUS_CONNECTED;
}

static natsStatus set_headers(natsMsg *m, uint64_t seq, uint64_t off)
{
	char v[24];
	natsStatus s;

	snprintf(v, sizeof(v), "%" PRIu64, seq);
	s = natsMsgHeader_Set(m, "Evtap-Segment", v);
	snprintf(v, sizeof(v), "%" PRIu64, off);
	if (s == NATS_OK)
		s = natsMsgHeader_Set(m, "Evtap-Offset", v);
	if (s == NATS_OK)
		s = natsMsgHeader_Set(m, "Evtap-Format", FORMAT);
	return s;
}

/* The flight is queued before the publish: its acknowledgement may come before this returns. */
static struct flight *queue(struct shipd *sd, struct ship_user *u, uint64_t seq,
			    const struct seg_raw_block *b)
{
	struct flight *f;

	pthread_mutex_lock(&sd->lock);
	f = flights_push(u);
	if (f) {
		*f = (struct flight){
			.seq = seq, .off = b->offset, .len = b->len, .sent_ns = clock_mono_ns()
		};
		sd->in_flight++;
	}
	pthread_mutex_unlock(&sd->lock);
	return f;
}

/* A publish that libnats did not take was never sent: its entry, the last, goes. */
static void unqueue(struct shipd *sd, struct ship_user *u)
{
	pthread_mutex_lock(&sd->lock);
	u->fl_count--;
	sd->in_flight--;
	pthread_mutex_unlock(&sd->lock);
}

int publish_block(struct shipd *sd, struct ship_user *u, const struct seg_raw_block *b,
		  uint64_t seq)
{
	char subject[128], id[160];
	jsPubOptions po;
	natsMsg *m = NULL;
	natsStatus s;

	if (fleet_subject_data(subject, sizeof(subject), u->person, sd->host) ||
	    fleet_msg_id(id, sizeof(id), sd->host, u->person, seq, b->offset))
		return -EINVAL;
	jsPubOptions_Init(&po);
	po.MsgId = id;
	po.MaxWait = ACK_WAIT_MS;
	s = natsMsg_Create(&m, subject, NULL, (const char *)b->data, (int)b->len);
	if (s == NATS_OK)
		s = set_headers(m, seq, b->offset);
	if (s == NATS_OK && !queue(sd, u, seq, b))
		s = NATS_INSUFFICIENT_BUFFER;
	else if (s == NATS_OK && (s = js_PublishMsgAsync(sd->js, &m, &po)) != NATS_OK)
		unqueue(sd, u);
	natsMsg_Destroy(m);
	if (s != NATS_OK) {
		sd->c.errors[classify(s, 0)]++;
		log_debug("%.8s: publish not taken: %s", u->person, natsStatus_GetText(s));
		return -EAGAIN;
	}
	return 0;
}

int publish_key(struct shipd *sd, struct ship_user *u, const uint8_t *sealed, size_t len)
{
	char subject[128], id[128];
	jsErrCode code = 0;
	jsPubOptions po;
	jsPubAck *pa = NULL;
	natsStatus s;

	if (fleet_subject_key(subject, sizeof(subject), u->person, sd->host) ||
	    fleet_key_msg_id(id, sizeof(id), sd->host, u->person))
		return -1;
	jsPubOptions_Init(&po);
	po.MsgId = id;
	po.MaxWait = KEY_WAIT_MS;
	s = js_Publish(&pa, sd->js, subject, sealed, (int)len, &po, &code);
	jsPubAck_Destroy(pa);
	if (s != NATS_OK) {
		sd->c.errors[classify(s, code)]++;
		log_warn("%.8s: the sealed key was not acknowledged: %s", u->person,
			 natsStatus_GetText(s));
		return -1;
	}
	log_info("%.8s: sealed key published", u->person);
	return 0;
}

void publish_drain(struct shipd *sd, int64_t timeout_ms)
{
	jsPubOptions po;

	jsPubOptions_Init(&po);
	po.MaxWait = timeout_ms;
	js_PublishAsyncComplete(sd->js, &po);
}

uint64_t publish_reconnects(struct shipd *sd)
{
	natsStatistics *st = NULL;
	uint64_t n = 0;

	if (natsStatistics_Create(&st) == NATS_OK && natsConnection_GetStats(sd->nc, st) == NATS_OK)
		natsStatistics_GetCounts(st, NULL, NULL, NULL, NULL, &n);
	natsStatistics_Destroy(st);
	return n;
}
