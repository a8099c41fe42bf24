// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The [fleet] section read from a file by itself, for the programs that have no [evtapd]. */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>
#include "fleet_conf.h"
#include "fleet_pseudonym.h"

struct load_ctx {
	struct fleet_conf *c;
	FILE *file;
	int lineno; /* inih's current line: counted by the reader */
	int line;   /* the first failing line, 0 while none */
	char reason[384];
};

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *ctx = user;

	if (strcmp(section, "fleet") || ctx->line)
		return 1;
	if (fleet_conf_set(ctx->c, name, value, ctx->reason, sizeof(ctx->reason)))
		ctx->line = ctx->lineno;
	return 1;
}

static char *read_line(char *str, int num, void *stream)
{
	struct load_ctx *ctx = stream;
	char *line = fgets(str, num, ctx->file);

	if (line)
		ctx->lineno++;
	return line;
}

int fleet_conf_load(struct fleet_conf *c, const char *path, unsigned int need, char *err,
		    size_t errlen)
{
	struct load_ctx ctx = { .c = c };
	char why[384];
	int ret;

	ctx.file = fopen(path, "re");
	if (!ctx.file) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return ret;
	}
	ret = ini_parse_stream(read_line, &ctx, on_key, &ctx);
	fclose(ctx.file);
	if (ctx.line) {
		snprintf(err, errlen, "%s:%d: %s", path, ctx.line, ctx.reason);
		return -EINVAL;
	}
	if (ret < 0) {
		snprintf(err, errlen, "%s: cannot parse: out of memory", path);
		return -ENOMEM;
	}
	if (ret) {
		snprintf(err, errlen, "%s:%d: syntax error: expected [section] or key = value",
			 path, ret);
		return -EINVAL;
	}
	if (fleet_conf_check(c, need, why, sizeof(why))) {
		snprintf(err, errlen, "%s: [fleet] %s", path, why);
		return -EINVAL;
	}
	return 0;
}

int fleet_conf_host_id(const struct fleet_conf *c, const char *machine_id_path, char *buf,
		       size_t len, char *err, size_t errlen)
{
	if (!c->host_id)
		return fleet_read_machine_id(machine_id_path, buf, len, err, errlen);
	if (strlen(c->host_id) >= len) {
		snprintf(err, errlen, "host-id: longer than %zu characters", len - 1);
		return -ENAMETOOLONG;
	}
	strcpy(buf, c->host_id);
	return 0;
}
