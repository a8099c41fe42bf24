// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-bench-release SERVERS DIR HOST_ID PEOPLE REQUESTS: the custodian's release latency.
 * As the agent of HOST_ID (DIR is evtap-fleet init's), publishes PEOPLE keys sealed to the
 * custodian and each person's consent; then, as the pipeline, asks REQUESTS releases of random
 * people one after the other (a fresh key pair each, the answer opened, as evtap-pull does)
 * and prints the latency's p50, p99 and max in microseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "fleet_conf.h"
#include "fleet_conn.h"
#include "fleet_pseudonym.h"
#include "fleet_release.h"
#include "keys.h"

static natsConnection *connect_as(const char *servers, const char *dir, const char *role)
{
	struct fleet_conf fc;
	natsConnection *nc = NULL;
	char path[4096], err[512];

	fleet_conf_init(&fc);
	fc.servers[fc.nservers++] = strdup(servers);
	snprintf(path, sizeof(path), "%s/auth/%s.auth", dir, role);
	fc.credentials = strdup(path);
	if (fleet_connect(&nc, &fc, "bench", 0, err, sizeof(err)))
		fprintf(stderr, "%s\n", err);
	fleet_conf_free(&fc);
	return nc;
}

static void person_of(char *out, const unsigned char *pkey, int i)
{
	char name[32];

	snprintf(name, sizeof(name), "user%d", i);
	fleet_pseudonym(out, pkey, name);
}

static int publish_people(natsConnection *nc, const unsigned char *pkey, const uint8_t *cpk,
			  const char *host, int people)
{
	char person[FLEET_PSEUDONYM_LEN + 1], subj[160], val[256];
	uint8_t key[KEY_SIZE], sealed[KEY_SEALED_SIZE];
	jsCtx *js;

	if (natsConnection_JetStream(&js, nc, NULL) != NATS_OK)
		return -1;
	for (int i = 0; i < people; i++) {
		person_of(person, pkey, i);
		randombytes_buf(key, sizeof(key));
		key_seal_for_custodian(sealed, 2000 + (uint32_t)i, key, cpk);
		fleet_subject_key(subj, sizeof(subj), person, host);
		if (js_Publish(NULL, js, subj, sealed, sizeof(sealed), NULL, NULL) != NATS_OK)
			return -1;
		snprintf(subj, sizeof(subj), "$KV.evtap-consent.%s", person);
		snprintf(val, sizeof(val),
			 "{\"opted_out\":false,\"level\":\"full\",\"paused_until\":0,"
			 "\"changed\":1,\"origin\":\"%s\"}",
			 host);
		if (js_Publish(NULL, js, subj, val, (int)strlen(val), NULL, NULL) != NATS_OK)
			return -1;
	}
	jsCtx_Destroy(js);
	return 0;
}

/* One release, timed; -1 unless the key came and opened. */
static int64_t release(natsConnection *nc, const char *person, const char *host)
{
	char req[512], b64[64], *sealed;
	uint8_t pk[32], sk[32], key[32], bin[FLEET_RELEASE_SEALED_SIZE];
	natsMsg *reply = NULL;
	int64_t t0 = clock_mono_ns();
	uint32_t uid;
	size_t n;
	int ok;

	crypto_box_keypair(pk, sk);
	sodium_bin2base64(b64, sizeof(b64), pk, 32, sodium_base64_VARIANT_ORIGINAL);
	snprintf(req, sizeof(req),
		 "{\"person\":\"%s\",\"host\":\"%s\",\"purpose\":\"ai-training\","
		 "\"level\":\"full\",\"segments\":[0],\"reply_key\":\"%s\"}",
		 person, host, b64);
	if (natsConnection_RequestString(&reply, nc, FLEET_SUBJECT_RELEASE, req, 5000) != NATS_OK)
		return -1;
	sealed = strstr(natsMsg_GetData(reply), "\"sealed\":\"");
	ok = sealed &&
	     !sodium_base642bin(bin, sizeof(bin), sealed + 10, strcspn(sealed + 10, "\""), NULL, &n,
				NULL, sodium_base64_VARIANT_ORIGINAL) &&
	     !fleet_release_open(bin, n, pk, sk, &uid, key);
	natsMsg_Destroy(reply);
	return ok ? clock_mono_ns() - t0 : -1;
}

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	unsigned char pkey[FLEET_KEY_LEN], cpk[FLEET_KEY_LEN];
	char host[FLEET_PSEUDONYM_LEN + 1], person[FLEET_PSEUDONYM_LEN + 1], path[4096], err[256];
	int people = argc == 6 ? atoi(argv[4]) : 0, requests = argc == 6 ? atoi(argv[5]) : 0;
	int64_t *lat = calloc((size_t)requests + 1, sizeof(*lat));
	natsConnection *agent, *pipeline;

	if (people <= 0 || requests <= 0 || !lat || sodium_init() < 0)
		return 2;
	snprintf(path, sizeof(path), "%s/pseudonym.key", argv[2]);
	if (fleet_read_key(path, pkey, err, sizeof(err)))
		return 1;
	snprintf(path, sizeof(path), "%s/custodian.pub", argv[2]);
	if (fleet_read_key(path, cpk, err, sizeof(err)))
		return 1;
	fleet_pseudonym(host, pkey, argv[3]);
	snprintf(path, sizeof(path), "agent-%s", host);
	agent = connect_as(argv[1], argv[2], path);
	pipeline = connect_as(argv[1], argv[2], "pipeline");
	if (!agent || !pipeline || publish_people(agent, pkey, cpk, host, people))
		return 1;
	for (int i = 0; i < requests; i++) {
		person_of(person, pkey, (int)randombytes_uniform((uint32_t)people));
		lat[i] = release(pipeline, person, host);
		if (lat[i] < 0)
			return 1;
	}
	qsort(lat, (size_t)requests, sizeof(*lat), cmp);
	printf("people %d requests %d p50 %lld us p99 %lld us max %lld us\n", people, requests,
	       (long long)lat[requests / 2] / 1000, (long long)lat[requests * 99 / 100] / 1000,
	       (long long)lat[requests - 1] / 1000);
	return 0;
}
