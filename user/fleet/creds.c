// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Credentials files: written once by evtap-fleet, read by every client. */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "fleet_creds.h"

struct creds_ctx {
	struct fleet_creds *cr;
	char why[160];
};

static int copy_field(char *dst, size_t len, const char *value)
{
	size_t n = strlen(value);

	if (n == 0 || n >= len)
		return -1;
	memcpy(dst, value, n + 1);
	return 0;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct creds_ctx *ctx = user;
	struct fleet_creds *cr = ctx->cr;
	int ret = -1;

	if (!strcmp(name, "user"))
		ret = copy_field(cr->user, sizeof(cr->user), value);
	else if (!strcmp(name, "password"))
		ret = copy_field(cr->password, sizeof(cr->password), value);
	else if (!strcmp(name, "inbox"))
		ret = copy_field(cr->inbox, sizeof(cr->inbox), value);
	if (ret)
		snprintf(ctx->why, sizeof(ctx->why),
			 "bad '%s': expected user, password or inbox "
			 "with a value of fitting length",
			 name);
	/* inih stops at the first handler error and returns that line. */
	return ret == 0 && !*section;
}

int fleet_creds_read(const char *path, struct fleet_creds *cr, char *err, size_t errlen)
{
	struct creds_ctx ctx = { .cr = cr };
	int ret;

	memset(cr, 0, sizeof(*cr));
	snprintf(ctx.why, sizeof(ctx.why), "syntax error: expected key = value");
	ret = ini_parse(path, on_key, &ctx);
	if (ret == -1) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return -ENOENT;
	}
	if (ret) {
		sodium_memzero(cr, sizeof(*cr));
		snprintf(err, errlen, "%s:%d: %s", path, ret, ctx.why);
		return -EINVAL;
	}
	if (!*cr->user || !*cr->password || !*cr->inbox) {
		sodium_memzero(cr, sizeof(*cr));
		snprintf(err, errlen, "%s: expected user, password and inbox", path);
		return -EINVAL;
	}
	return 0;
}

int fleet_creds_format(char *buf, size_t len, const char *comment, const struct fleet_creds *cr)
{
	int n = snprintf(buf, len, "# %s\nuser = %s\npassword = %s\ninbox = %s\n", comment,
			 cr->user, cr->password, cr->inbox);

	return n < 0 || (size_t)n >= len ? -1 : n;
}
