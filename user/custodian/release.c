// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One release: parse, decide, fetch the person's sealed key from EVTAP_KEYS (the last message
 * on evtap.v1.key.<person>.<host>), open it, seal uid and key to the requester's public key,
 * audit, answer. The audit record goes first: a release that could not be audited is refused.
 * The answer is {"level":L,"sealed":"<base64>"} or {"refused":"why"}.
 */
#include <stdio.h>
#include <string.h>
#include "custodian.h"
#include "keys.h"
#include "log.h"
#include "names.h"

static const char *open_key(struct custodian *c, const struct release_req *r, uint32_t *uid,
			    uint8_t key[KEY_SIZE])
{
	char subject[128];
	natsMsg *m = NULL;
	jsOptions o;
	jsErrCode jerr = 0;
	int bad;

	jsOptions_Init(&o);
	o.Wait = CUSTODIAN_WAIT_MS;
	if (fleet_subject_key(subject, sizeof(subject), r->person, r->host))
		return "bad person or host";
	if (js_GetLastMsg(&m, c->js, FLEET_STREAM_KEYS, subject, &o, &jerr) != NATS_OK)
		return jerr == JSNoMessageFoundErr ? "no key" : "keys unavailable";
	bad = key_open_sealed((const uint8_t *)natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m),
			      c->pk, c->sk, uid, key);
	natsMsg_Destroy(m);
	return bad ? "key does not open" : NULL;
}

/* The answer to a release: the key sealed to the requester, in base64. */
static int format_release(char *buf, size_t len, const struct release_req *r, uint32_t uid,
			  const uint8_t key[KEY_SIZE], int level)
{
	uint8_t sealed[FLEET_RELEASE_SEALED_SIZE];
	char b64[sodium_base64_ENCODED_LEN(FLEET_RELEASE_SEALED_SIZE,
					   sodium_base64_VARIANT_ORIGINAL)];

	if (fleet_release_seal(sealed, uid, key, r->reply_key))
		return -1;
	sodium_bin2base64(b64, sizeof(b64), sealed, sizeof(sealed), sodium_base64_VARIANT_ORIGINAL);
	snprintf(buf, len, "{\"level\":\"%s\",\"sealed\":\"%s\"}", evtap_level_name(level), b64);
	return 0;
}

static void respond(struct custodian *c, natsMsg *m, const char *text)
{
	if (natsMsg_GetReply(m))
		natsConnection_PublishString(c->nc, natsMsg_GetReply(m), text);
}

static void refuse(struct custodian *c, natsMsg *m, const struct release_req *r, const char *why)
{
	char text[160];

	/* A request too malformed to name a person has no one to audit it under. */
	if (r->person[0] && audit_write(c, r, why, 0))
		log_warn("%.8s: refusal not audited", r->person);
	snprintf(text, sizeof(text), "{\"refused\":\"%s\"}", why);
	respond(c, m, text);
	c->refused++;
	log_info("refused %.8s for %s (%s): %s", r->person[0] ? r->person : "?",
		 r->pipeline[0] ? r->pipeline : "?", r->purpose[0] ? r->purpose : "?", why);
}

void release_handle(struct custodian *c, natsMsg *m)
{
	char text[256];
	struct release_req r;
	uint8_t key[KEY_SIZE];
	const char *why;
	uint32_t uid;
	int level;

	why = request_parse(&r, natsMsg_GetData(m), natsMsg_GetDataLength(m), natsMsg_GetReply(m));
	if (!why)
		why = decide(c, &r, &level);
	if (!why)
		why = open_key(c, &r, &uid, key);
	if (!why && audit_write(c, &r, NULL, level))
		why = "audit unavailable";
	if (!why && format_release(text, sizeof(text), &r, uid, key, level))
		why = "bad reply_key";
	sodium_memzero(key, sizeof(key));
	if (why) {
		refuse(c, m, &r, why);
		return;
	}
	respond(c, m, text);
	c->released++;
	log_info("released %.8s/%.8s to %s for %s at %s", r.person, r.host, r.pipeline, r.purpose,
		 evtap_level_name(level));
}
