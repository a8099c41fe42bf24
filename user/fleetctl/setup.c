// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The fleet's streams and buckets. One that is absent is made; one that exists is compared
 * with what it should be and, when it differs, reported and left alone: changing a live
 * stream's limits (a shorter age, fewer replicas) can lose data, so that is the operator's
 * decision, not a side effect of a re-run. The one change made is a wider subject over the same
 * prefix (an older init's EVTAP_AUDIT), which keeps everything stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "admin.h"
#include "fleet_names.h"

#define WANT_REPLICAS 3
#define NS_PER_S      1000000000LL

struct stream_def {
	const char *name, *subject;
	int64_t duplicates, max_age; /* ns; 0: the server's default, not compared */
	int deny_purge;
};

static const struct stream_def streams[] = {
	{ FLEET_STREAM_DATA, FLEET_SUBJECTS_DATA, 120 * NS_PER_S, 30 * 86400 * NS_PER_S, 0 },
	{ FLEET_STREAM_KEYS, FLEET_SUBJECTS_KEYS, 0, 0, 0 },
	{ FLEET_STREAM_AUDIT, FLEET_SUBJECTS_AUDIT, 0, 0, 1 },
};

struct bucket_def {
	const char *name;
	int history; /* values kept per key */
};

static const struct bucket_def buckets[] = {
	{ FLEET_KV_POLICY, 8 }, { FLEET_KV_CONSENT, 8 },  { FLEET_KV_HEALTH, 1 },
	{ FLEET_KV_FORGET, 8 }, { FLEET_KV_RECEIPTS, 1 },
};

/* One run's state: the replicas to ask for, lowered once the server shows it is alone. */
struct setup {
	struct admin *a;
	int replicas;
};

/* 3, or as many servers as the cluster has told the client of (given and discovered). */
static int pool_replicas(struct admin *a)
{
	char **servers = NULL;
	int n = 0;

	if (natsConnection_GetServers(a->nc, &servers, &n) != NATS_OK)
		n = 1;
	for (int i = 0; i < n; i++)
		free(servers[i]);
	free(servers);
	if (n < 1)
		n = 1;
	if (n < WANT_REPLICAS)
		printf("  replicas: %d wanted, the cluster has %d server%s: %d\n", WANT_REPLICAS, n,
		       n == 1 ? "" : "s", n);
	return n < WANT_REPLICAS ? n : WANT_REPLICAS;
}

/* A server outside any cluster keeps one copy of everything, whatever the URLs suggest. */
static void alone(struct setup *st, const char *label)
{
	if (st->replicas == 1)
		return;
	printf("  %s: the server is not clustered: replicas 1\n", label);
	st->replicas = 1;
}

/* Appends "field H (want W)" to why when they differ. */
static void differ(char *why, size_t len, const char *field, long long have, long long want)
{
	size_t used = strlen(why);

	if (have != want)
		snprintf(why + used, len - used, "%s%s %lld (want %lld)", used ? ", " : "", field,
			 have, want);
}

static int same_subjects(const jsStreamConfig *have, const jsStreamConfig *want)
{
	return have->SubjectsLen == 1 && !strcmp(have->Subjects[0], want->Subjects[0]);
}

/*
 * Whether want's one subject, a "P.>", takes every subject of have: each starts with "P.", so
 * nothing stored falls outside it (EVTAP_AUDIT from evtap.v1.audit.* to evtap.v1.audit.>).
 */
static int widens(const jsStreamConfig *have, const jsStreamConfig *want)
{
	const char *w = want->Subjects[0];
	size_t n = strlen(w);

	if (n < 2 || strcmp(w + n - 2, ".>") || have->SubjectsLen < 1)
		return 0;
	for (int i = 0; i < have->SubjectsLen; i++)
		if (strncmp(have->Subjects[i], w, n - 1))
			return 0;
	return 1;
}

/* Everything but the subjects, which ensure() judges apart. */
static void compare_stream(const jsStreamConfig *have, const jsStreamConfig *want, char *why,
			   size_t len)
{
	why[0] = '\0';
	differ(why, len, "replicas", have->Replicas, want->Replicas);
	differ(why, len, "file storage", have->Storage == js_FileStorage, 1);
	differ(why, len, "deny-delete", have->DenyDelete, want->DenyDelete);
	differ(why, len, "deny-purge", have->DenyPurge, want->DenyPurge);
	if (want->MaxMsgsPerSubject > 0)
		differ(why, len, "history", have->MaxMsgsPerSubject, want->MaxMsgsPerSubject);
	if (want->Duplicates)
		differ(why, len, "duplicate-window-ns", have->Duplicates, want->Duplicates);
	differ(why, len, "max-age-ns", have->MaxAge, want->MaxAge);
}

/*
 * A stream made by an older init over fewer subjects: given the wider subject, the only change
 * that loses nothing (what it holds stays, under the same names). Takes si.
 */
static int widen(struct setup *st, jsStreamInfo *si, const jsStreamConfig *want, const char *label)
{
	jsStreamConfig cfg = *si->Config;
	char had[256];
	jsErrCode jerr = 0;
	natsStatus s;

	snprintf(had, sizeof(had), "%s%s", si->Config->Subjects[0],
		 si->Config->SubjectsLen > 1 ? ",..." : "");
	cfg.Subjects = want->Subjects;
	cfg.SubjectsLen = 1;
	s = js_UpdateStream(NULL, st->a->js, &cfg, NULL, &jerr);
	jsStreamInfo_Destroy(si);
	if (s != NATS_OK) {
		printf("  stream %s: subjects %s (want %s): cannot update: %s (%d)\n", label, had,
		       want->Subjects[0], nats_GetLastError(NULL), jerr);
		return 1;
	}
	printf("  stream %s: updated: subjects %s -> %s (made by an older evtap-fleet; nothing "
	       "stored changes)\n",
	       label, had, want->Subjects[0]);
	return 0;
}

/* Absent: made; present: compared. Returns 0, or 1 when it differs or cannot be made. */
static int ensure(struct setup *st, const char *kind, const char *label, jsStreamConfig *want,
		  int (*create)(struct setup *st, jsStreamConfig *want, const char *label))
{
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	natsStatus s = js_GetStreamInfo(&si, st->a->js, want->Name, NULL, &jerr);
	char why[512];

	if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr)
		return create(st, want, label);
	if (s != NATS_OK) {
		printf("  %s %s: cannot read: %s\n", kind, label, nats_GetLastError(NULL));
		return 1;
	}
	/* Only a clustered server names its cluster in a stream's information. */
	if (!si->Cluster || !si->Cluster->Name)
		alone(st, label);
	want->Replicas = st->replicas;
	compare_stream(si->Config, want, why, sizeof(why));
	if (!*why && !same_subjects(si->Config, want) && widens(si->Config, want))
		return widen(st, si, want, label);
	if (!same_subjects(si->Config, want))
		snprintf(why + strlen(why), sizeof(why) - strlen(why), "%ssubjects %s (want %s)",
			 *why ? ", " : "",
			 si->Config->SubjectsLen ? si->Config->Subjects[0] : "none",
			 want->Subjects[0]);
	jsStreamInfo_Destroy(si);
	if (!*why) {
		printf("  %s %s: unchanged\n", kind, label);
		return 0;
	}
	printf("  %s %s: DIFFERS, left as it is: %s\n", kind, label, why);
	return 1;
}

static int create_stream(struct setup *st, jsStreamConfig *want, const char *label)
{
	jsErrCode jerr = 0;
	natsStatus s;

	want->Replicas = st->replicas;
	s = js_AddStream(NULL, st->a->js, want, NULL, &jerr);
	if (s != NATS_OK && jerr == JSStreamReplicasNotSupportedErr && want->Replicas > 1) {
		alone(st, label);
		want->Replicas = 1;
		s = js_AddStream(NULL, st->a->js, want, NULL, &jerr);
	}
	if (s != NATS_OK) {
		printf("  stream %s: cannot create: %s (%d)\n", label, nats_GetLastError(NULL),
		       jerr);
		return 1;
	}
	printf("  stream %s: created (replicas %lld)\n", label, (long long)want->Replicas);
	return 0;
}

/* The streams come first, so a lone server has shown itself before any bucket is made. */
static int create_bucket(struct setup *st, jsStreamConfig *want, const char *label)
{
	kvStore *kv = NULL;
	kvConfig kc;
	natsStatus s;

	kvConfig_Init(&kc);
	kc.Bucket = label;
	kc.History = want->MaxMsgsPerSubject;
	kc.StorageType = js_FileStorage;
	kc.Replicas = st->replicas;
	s = js_CreateKeyValue(&kv, st->a->js, &kc);
	kvStore_Destroy(kv);
	if (s != NATS_OK) {
		printf("  bucket %s: cannot create: %s\n", label, nats_GetLastError(NULL));
		return 1;
	}
	printf("  bucket %s: created (replicas %d, history %d)\n", label, kc.Replicas, kc.History);
	return 0;
}

int setup_streams(struct admin *a)
{
	struct setup st = { a, pool_replicas(a) };
	const char *subject;
	char name[64], subj[80];
	jsStreamConfig cfg;
	int bad = 0;

	for (size_t i = 0; i < sizeof(streams) / sizeof(streams[0]); i++) {
		jsStreamConfig_Init(&cfg);
		subject = streams[i].subject;
		cfg.Name = streams[i].name;
		cfg.Subjects = &subject;
		cfg.SubjectsLen = 1;
		cfg.Storage = js_FileStorage;
		cfg.Duplicates = streams[i].duplicates;
		cfg.MaxAge = streams[i].max_age;
		cfg.DenyDelete = true;
		cfg.DenyPurge = streams[i].deny_purge;
		bad |= ensure(&st, "stream", cfg.Name, &cfg, create_stream);
	}
	for (size_t i = 0; i < sizeof(buckets) / sizeof(buckets[0]); i++) {
		/* What nats.c makes for a bucket: the stream KV_<bucket> over $KV.<bucket>.>. */
		snprintf(name, sizeof(name), "KV_%s", buckets[i].name);
		snprintf(subj, sizeof(subj), "$KV.%s.>", buckets[i].name);
		jsStreamConfig_Init(&cfg);
		subject = subj;
		cfg.Name = name;
		cfg.Subjects = &subject;
		cfg.SubjectsLen = 1;
		cfg.MaxMsgsPerSubject = buckets[i].history;
		cfg.DenyDelete = true;
		bad |= ensure(&st, "bucket", buckets[i].name, &cfg, create_bucket);
	}
	return bad ? CTL_FAILED : CTL_OK;
}
