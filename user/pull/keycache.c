// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Keys from the custodian (fleet_release.h), cached in memory only and for key_ttl_ns, so that
 * a consent change or a forget reaches the pipeline within that time even for a person it is
 * reading. Each request has a fresh key pair, whose secret half lives only until the answer is
 * opened. A refusal is cached as long, so that a refused person costs one request (and one
 * audit record) per period, not one per block.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "clock.h"
#include "fleet_release.h"
#include "log.h"
#include "names.h"
#include "pull.h"

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

/* Opens {"level":L,"sealed":B64} into e; a malformed answer is a refusal, never a key. */
static void take_answer(struct key_entry *e, json_object *o, const uint8_t pk[32],
			const uint8_t sk[32])
{
	const char *refused = str_of(o, "refused"), *sealed = str_of(o, "sealed");
	const char *level = str_of(o, "level");
	uint8_t bin[FLEET_RELEASE_SEALED_SIZE];
	size_t n;

	snprintf(e->refused, sizeof(e->refused), "%s", refused ? refused : "");
	if (refused)
		return;
	e->level = level ? evtap_level_parse(level) : -1;
	if (!sealed || e->level < 0 ||
	    sodium_base642bin(bin, sizeof(bin), sealed, strlen(sealed), NULL, &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) ||
	    fleet_release_open(bin, n, pk, sk, &e->uid, e->key))
		snprintf(e->refused, sizeof(e->refused), "malformed answer");
}

static int request_text(char *buf, size_t len, const struct pull *p, const struct key_entry *e,
			uint64_t segment, const uint8_t pk[32])
{
	char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];

	sodium_bin2base64(b64, sizeof(b64), pk, 32, sodium_base64_VARIANT_ORIGINAL);
	return snprintf(buf, len,
			"{\"person\":\"%s\",\"host\":\"%s\",\"purpose\":\"%s\",\"level\":\"full\","
			"\"segments\":[%llu],\"reply_key\":\"%s\"}",
			e->person, e->host, p->purpose, (unsigned long long)segment, b64);
}

/* Returns 0 with e filled (a key or a refusal), or -1 when the custodian did not answer. */
static int ask(struct pull *p, struct key_entry *e, uint64_t segment)
{
	uint8_t pk[32], sk[32];
	natsMsg *reply = NULL;
	json_object *o;
	char req[512];
	int n;

	crypto_box_keypair(pk, sk);
	n = request_text(req, sizeof(req), p, e, segment, pk);
	if (natsConnection_Request(&reply, p->nc, FLEET_SUBJECT_RELEASE, req, n, PULL_WAIT_MS) !=
	    NATS_OK) {
		sodium_memzero(sk, sizeof(sk));
		return -1;
	}
	o = json_tokener_parse(natsMsg_GetData(reply));
	take_answer(e, o, pk, sk);
	sodium_memzero(sk, sizeof(sk));
	json_object_put(o);
	natsMsg_Destroy(reply);
	e->expires = clock_mono_ns() + p->key_ttl_ns;
	return 0;
}

static struct key_entry *slot(struct pull *p, const char *person, const char *host)
{
	struct key_entry *grown;

	for (int i = 0; i < p->nkeys; i++)
		if (!strcmp(p->keys[i].person, person) && !strcmp(p->keys[i].host, host))
			return &p->keys[i];
	grown = realloc(p->keys, (size_t)(p->nkeys + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	p->keys = grown;
	memset(&grown[p->nkeys], 0, sizeof(*grown));
	snprintf(grown[p->nkeys].person, sizeof(grown->person), "%s", person);
	snprintf(grown[p->nkeys].host, sizeof(grown->host), "%s", host);
	return &grown[p->nkeys++];
}

const struct key_entry *keycache_get(struct pull *p, const char *person, const char *host,
				     uint64_t segment, int *unreachable)
{
	struct key_entry *e = slot(p, person, host);

	*unreachable = 0;
	if (!e || (e->expires > clock_mono_ns()))
		return e;
	sodium_memzero(e->key, sizeof(e->key));
	e->expires = 0;
	if (ask(p, e, segment)) {
		*unreachable = 1;
		return NULL;
	}
	if (e->refused[0])
		log_warn("release of %.8s/%.8s for %s refused: %s", person, host, p->purpose,
			 e->refused);
	return e;
}

void keycache_drop(struct pull *p, const char *person)
{
	for (int i = 0; i < p->nkeys; i++)
		if (!strcmp(p->keys[i].person, person)) {
			sodium_memzero(p->keys[i].key, sizeof(p->keys[i].key));
			/* Refused for good: a forgotten person's blocks are never opened again. */
			snprintf(p->keys[i].refused, sizeof(p->keys[i].refused), "forgotten");
			p->keys[i].expires = INT64_MAX;
		}
}
