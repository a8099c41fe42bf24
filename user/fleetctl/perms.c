// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Each role's permissions, as allow lists: anything not listed is refused by the server. The
 * JetStream API subjects are the ones libnats 3.4.1 uses against nats-server 2.9.10 for each
 * operation (seen in the server's trace; docs/FLEET.md lists them). "{h}" stands for the
 * host's pseudonym. Every role also subscribes to its own inbox, _INBOX_<host or role>.>.
 */
#include <string.h>
#include "fleet_names.h"
#include "perms.h"
#include "secrets.h"

/*
 * Reading a bucket: bind (stream info), get (a direct get: nats.c makes buckets with direct
 * gets allowed), watch (an ordered push consumer, found by subject through STREAM.NAMES, with
 * flow control, deleted when the watch stops). STREAM.NAMES is listed once per role, apart.
 */
#define KV_READ(b)                                                                                 \
	"$JS.API.STREAM.INFO.KV_" b, "$JS.API.DIRECT.GET.KV_" b ".>",                              \
		"$JS.API.CONSUMER.CREATE.KV_" b, "$JS.API.CONSUMER.DELETE.KV_" b ".*",             \
		"$JS.FC.KV_" b ".>"
#define STREAM_NAMES "$JS.API.STREAM.NAMES"
/* Writing keys of a bucket: bind, then a JetStream publish to $KV.<bucket>.<key>. */
#define KV_PUT(b, key)	 "$KV." b "." key
#define KV_WRITE(b, key) "$JS.API.STREAM.INFO.KV_" b, KV_PUT(b, key)
/*
 * Reading a stream through a durable pull consumer: create, bind (info), fetch, ack, and
 * delete (the pipeline recreates its consumer around a purge, see FLEET-FACTS).
 */
#define PULL(s, d)                                                                                 \
	"$JS.API.STREAM.INFO." s, "$JS.API.CONSUMER.DURABLE.CREATE." s "." d,                      \
		"$JS.API.CONSUMER.INFO." s "." d, "$JS.API.CONSUMER.MSG.NEXT." s "." d,            \
		"$JS.API.CONSUMER.DELETE." s "." d, "$JS.ACK." s "." d ".>"

struct role {
	const char *name;
	const char *const *publish; /* NULL-terminated */
	const char *const *subscribe;
	int allow_responses; /* may answer the requests it receives, whatever their inbox */
};

static const char *const all[] = { ">", NULL };

static const char *const agent_pub[] = {
	"evtap.v1.data.*.{h}",
	"evtap.v1.key.*.{h}",
	KV_PUT(FLEET_KV_CONSENT, "*"), /* bound by KV_READ below */
	KV_PUT(FLEET_KV_FORGET, "*"),  /* a forget asked here, for the person */
	KV_WRITE(FLEET_KV_HEALTH, "{h}"),
	KV_WRITE(FLEET_KV_RECEIPTS, "*.{h}"),
	STREAM_NAMES,
	KV_READ(FLEET_KV_CONSENT),
	KV_READ(FLEET_KV_POLICY),
	KV_READ(FLEET_KV_FORGET),
	KV_READ(FLEET_KV_RECEIPTS), /* mirrored for evtap forget --status */
	/*
	 * The access log: its own feed only, which evtap-fleet made (no consumer create: its
	 * filter would be the agent's choice), bound by info and acknowledged.
	 */
	"$JS.API.CONSUMER.INFO." FLEET_STREAM_AUDIT "." FLEET_AUDIT_DURABLE_PREFIX "{h}",
	"$JS.ACK." FLEET_STREAM_AUDIT "." FLEET_AUDIT_DURABLE_PREFIX "{h}.>",
	NULL,
};

static const char *const agent_sub[] = { FLEET_AUDIT_FEED_PREFIX "{h}", NULL };

static const char *const custodian_pub[] = {
	PULL(FLEET_STREAM_KEYS, "*"),
	"$JS.API.STREAM.MSG.GET." FLEET_STREAM_KEYS,
	"evtap.v1.audit.*",
	"evtap.v1.audit.*.*", /* the copy for each host holding a key of the person */
	STREAM_NAMES,
	KV_READ(FLEET_KV_CONSENT),
	KV_READ(FLEET_KV_POLICY),
	KV_READ(FLEET_KV_FORGET), /* a forgotten person is refused every release */
	KV_WRITE(FLEET_KV_RECEIPTS, "*.custodian"),
	NULL,
};

static const char *const custodian_sub[] = { FLEET_SUBJECT_CUSTODIAN, NULL };

static const char *const pipeline_pub[] = {
	PULL(FLEET_STREAM_DATA, FLEET_PIPELINE_DURABLE),
	FLEET_SUBJECT_RELEASE,
	STREAM_NAMES,
	KV_READ(FLEET_KV_FORGET),
	KV_WRITE(FLEET_KV_RECEIPTS, "*.pipeline"),
	NULL,
};

static const char *const eraser_pub[] = {
	"$JS.API.STREAM.INFO." FLEET_STREAM_DATA,
	"$JS.API.STREAM.INFO." FLEET_STREAM_KEYS,
	"$JS.API.STREAM.PURGE." FLEET_STREAM_DATA,
	"$JS.API.STREAM.PURGE." FLEET_STREAM_KEYS,
	/* The 2.9.10 workaround: the pipeline's durable read, deleted and made again. */
	"$JS.API.CONSUMER.INFO." FLEET_STREAM_DATA "." FLEET_PIPELINE_DURABLE,
	"$JS.API.CONSUMER.DELETE." FLEET_STREAM_DATA "." FLEET_PIPELINE_DURABLE,
	"$JS.API.CONSUMER.DURABLE.CREATE." FLEET_STREAM_DATA "." FLEET_PIPELINE_DURABLE,
	STREAM_NAMES,
	KV_READ(FLEET_KV_FORGET),
	KV_READ(FLEET_KV_RECEIPTS), /* its own receipt: a request already purged is not again */
	KV_WRITE(FLEET_KV_RECEIPTS, "*.eraser"),
	NULL,
};

static const char *const none[] = { NULL };

static const struct role roles[] = {
	{ "admin", all, all, 0 },
	{ "custodian", custodian_pub, custodian_sub, 1 },
	{ "pipeline", pipeline_pub, none, 0 },
	{ "eraser", eraser_pub, none, 0 },
	{ "agent", agent_pub, agent_sub, 0 },
};

const struct perms_role perms_roles[] = {
	{ "admin", "stays here: evtap-fleet's own user (all of the FLEET account)" },
	{ "custodian", "the custodian's machine" },
	{ "pipeline", "the pipeline's machine (evtap-pull)" },
	{ "eraser", "the machine that runs erasures" },
};
const int perms_nroles = sizeof(perms_roles) / sizeof(perms_roles[0]);

/* One subject, quoted, with {h} replaced by the host's pseudonym. */
static void write_subject(FILE *f, const char *tmpl, const char *host)
{
	const char *at = strstr(tmpl, "{h}");

	if (at)
		fprintf(f, "\t\t\t\t\t\t\"%.*s%s%s\"\n", (int)(at - tmpl), tmpl, host, at + 3);
	else
		fprintf(f, "\t\t\t\t\t\t\"%s\"\n", tmpl);
}

static void write_list(FILE *f, const char *verb, const char *const *subjects, const char *host,
		       const char *inbox)
{
	fprintf(f, "\t\t\t\t\t%s: { allow: [\n", verb);
	for (; *subjects; subjects++)
		write_subject(f, *subjects, host);
	if (inbox)
		fprintf(f, "\t\t\t\t\t\t\"%s.>\"\n", inbox);
	fprintf(f, "\t\t\t\t\t] }\n");
}

static const struct role *find_role(const char *name)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (!strcmp(roles[i].name, name))
			return &roles[i];
	return NULL;
}

int perms_write_user(FILE *f, const struct fleet_creds *cr, const char *role, const char *host)
{
	const struct role *r = find_role(role);
	char hash[128];

	if (!r || secret_bcrypt(cr->user, cr->password, hash, sizeof(hash)))
		return -1;
	fprintf(f, "\t\t\t{\n\t\t\t\tuser: \"%s\"\n\t\t\t\tpassword: \"%s\"\n", cr->user, hash);
	fprintf(f, "\t\t\t\tpermissions: {\n");
	write_list(f, "publish", r->publish, host ?: "", NULL);
	/* The admin's ">" already holds its inbox. */
	write_list(f, "subscribe", r->subscribe, host ?: "",
		   r->subscribe == all ? NULL : cr->inbox);
	if (r->allow_responses)
		fprintf(f, "\t\t\t\t\tallow_responses: true\n");
	fprintf(f, "\t\t\t\t}\n\t\t\t}\n");
	return 0;
}

void perms_write_head(FILE *f)
{
	fprintf(f, "# Made by evtap-fleet: do not edit; run evtap-fleet init or add-host again.\n"
		   "# Every nats-server node of the fleet includes this file from its own config.\n"
		   "accounts {\n"
		   "\tSYS { users: [] }\n"
		   "\tFLEET {\n"
		   "\t\tjetstream: enabled\n"
		   "\t\tusers: [\n");
}

void perms_write_tail(FILE *f)
{
	fprintf(f, "\t\t]\n\t}\n}\nsystem_account: SYS\n");
}
