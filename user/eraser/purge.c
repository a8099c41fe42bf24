// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The purge of one person and the 2.9.10 workaround (eraser.h). */
#include <stdio.h>
#include <string.h>
#include "eraser.h"
#include "fleet_names.h"

static int fail(char *err, size_t errlen, const char *what, natsStatus s, jsErrCode code)
{
	const char *text = nats_GetLastError(NULL);

	snprintf(err, errlen, "%s: %s (JetStream error %d)", what,
		 text && *text ? text : natsStatus_GetText(s), (int)code);
	return -1;
}

static int purge_subject(jsCtx *js, const char *stream, const char *fmt, const char *person,
			 char *err, size_t errlen)
{
	char subject[128];
	jsErrCode code = 0;
	jsOptions o;
	natsStatus s;

	snprintf(subject, sizeof(subject), fmt, person);
	jsOptions_Init(&o);
	o.Stream.Purge.Subject = subject;
	s = js_PurgeStream(js, stream, &o, &code);
	return s == NATS_OK ? 0 : fail(err, errlen, stream, s, code);
}

/*
 * 2.9.10 moves a durable's delivered and ack floor past the stream's end on a filtered purge,
 * so the consumer skips messages of other subjects that it had not read. Made again from the
 * ack floor read before the purge, it delivers them (and may deliver again what was delivered
 * but not acknowledged: the pipeline is at least once already).
 */
static int remake_durable(jsCtx *js, jsConsumerInfo *ci, char *err, size_t errlen)
{
	jsConsumerConfig cc = *ci->Config;
	jsErrCode code = 0;
	natsStatus s;

	s = js_DeleteConsumer(js, FLEET_STREAM_DATA, FLEET_PIPELINE_DURABLE, NULL, &code);
	if (s != NATS_OK)
		return fail(err, errlen, "delete the pipeline's consumer", s, code);
	cc.Name = NULL; /* by its durable name, as the pipeline makes it (and may, by permission) */
	cc.DeliverPolicy = js_DeliverByStartSequence;
	cc.OptStartSeq = ci->AckFloor.Stream + 1;
	cc.OptStartTime = 0;
	s = js_AddConsumer(NULL, js, FLEET_STREAM_DATA, &cc, NULL, &code);
	return s == NATS_OK ? 0 : fail(err, errlen, "make the pipeline's consumer again", s, code);
}

int eraser_purge(jsCtx *js, const char *person, char *err, size_t errlen)
{
	jsConsumerInfo *ci = NULL;
	jsErrCode code = 0;
	natsStatus s;
	int ret;

	if (!fleet_token_ok(person)) {
		snprintf(err, errlen, "not a pseudonym");
		return -1;
	}
	s = js_GetConsumerInfo(&ci, js, FLEET_STREAM_DATA, FLEET_PIPELINE_DURABLE, NULL, &code);
	if (s != NATS_OK && s != NATS_NOT_FOUND)
		return fail(err, errlen, "read the pipeline's consumer", s, code);
	ret = purge_subject(js, FLEET_STREAM_DATA, "evtap.v1.data.%s.>", person, err, errlen);
	if (!ret && ci)
		ret = remake_durable(js, ci, err, errlen);
	if (!ret)
		ret = purge_subject(js, FLEET_STREAM_KEYS, "evtap.v1.key.%s.>", person, err,
				    errlen);
	jsConsumerInfo_Destroy(ci);
	return ret;
}
