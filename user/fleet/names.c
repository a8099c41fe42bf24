// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Subjects, ids and keys, each checked token by token before it is built. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "fleet_names.h"

int fleet_token_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

static int build(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int build(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int fleet_subject_data(char *buf, size_t len, const char *person, const char *host)
{
	if (!fleet_token_ok(person) || !fleet_token_ok(host))
		return -EINVAL;
	return build(buf, len, "evtap.v1.data.%s.%s", person, host);
}

int fleet_subject_key(char *buf, size_t len, const char *person, const char *host)
{
	if (!fleet_token_ok(person) || !fleet_token_ok(host))
		return -EINVAL;
	return build(buf, len, "evtap.v1.key.%s.%s", person, host);
}

int fleet_subject_audit(char *buf, size_t len, const char *person)
{
	if (!fleet_token_ok(person))
		return -EINVAL;
	return build(buf, len, "evtap.v1.audit.%s", person);
}

int fleet_subject_audit_host(char *buf, size_t len, const char *person, const char *host)
{
	if (!fleet_token_ok(person) || !fleet_token_ok(host))
		return -EINVAL;
	return build(buf, len, "evtap.v1.audit.%s.%s", person, host);
}

int fleet_audit_durable(char *buf, size_t len, const char *host)
{
	if (!fleet_token_ok(host))
		return -EINVAL;
	return build(buf, len, FLEET_AUDIT_DURABLE_PREFIX "%s", host);
}

int fleet_audit_filter(char *buf, size_t len, const char *host)
{
	if (!fleet_token_ok(host))
		return -EINVAL;
	return build(buf, len, "evtap.v1.audit.*.%s", host);
}

int fleet_audit_feed(char *buf, size_t len, const char *host)
{
	if (!fleet_token_ok(host))
		return -EINVAL;
	return build(buf, len, FLEET_AUDIT_FEED_PREFIX "%s", host);
}

int fleet_msg_id(char *buf, size_t len, const char *host, const char *person, uint64_t segment,
		 uint64_t offset)
{
	if (!fleet_token_ok(host) || !fleet_token_ok(person))
		return -EINVAL;
	return build(buf, len, "%s:%s:%" PRIu64 ":%" PRIu64, host, person, segment, offset);
}

int fleet_key_msg_id(char *buf, size_t len, const char *host, const char *person)
{
	if (!fleet_token_ok(host) || !fleet_token_ok(person))
		return -EINVAL;
	return build(buf, len, "key:%s:%s", host, person);
}

int fleet_receipt_key(char *buf, size_t len, const char *person, const char *who)
{
	if (!fleet_token_ok(person) || !fleet_token_ok(who))
		return -EINVAL;
	return build(buf, len, "%s.%s", person, who);
}

int fleet_inbox_prefix(char *buf, size_t len, const char *who)
{
	if (!fleet_token_ok(who))
		return -EINVAL;
	return build(buf, len, "_INBOX_%s", who);
}
