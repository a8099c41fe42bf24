// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The configuration file, parsed with inih, through the same table of settings as the command
 * line (options_find), so that a key and its flag cannot disagree on what a value means.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

struct config_string {
	struct config_string *next;
	char s[];
};

struct parse_ctx {
	struct daemon_config *cfg;
	int line;	  /* the first failing line, 0 while none */
	char reason[384]; /* why it failed */
	int lineno;	  /* inih's current line: counted by the reader */
	FILE *file;
};

static const char *keep_string(struct daemon_config *cfg, const char *value)
{
	size_t len = strlen(value) + 1;
	struct config_string *s = malloc(sizeof(*s) + len);

	if (!s)
		return NULL;
	memcpy(s->s, value, len);
	s->next = cfg->owned;
	cfg->owned = s;
	return s->s;
}

/* A [fleet] key: the fleet layer's table parses it and says what a bad value should be. */
static int on_fleet_key(struct parse_ctx *ctx, const char *name, const char *value)
{
	char why[384];

	ctx->cfg->fleet_on = 1;
	if (!fleet_conf_set(&ctx->cfg->fleet, name, value, why, sizeof(why)))
		return 1;
	if (!ctx->line) {
		ctx->line = ctx->lineno;
		snprintf(ctx->reason, sizeof(ctx->reason), "%s", why);
	}
	return 0;
}

/* inih's handler: nonzero on success; on failure the first reason is kept. */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *ctx = user;
	const struct option_def *def;
	const char *kept;
	char why[384];

	if (!strcmp(section, "fleet"))
		return on_fleet_key(ctx, name, value);
	if (strcmp(section, "evtapd")) {
		snprintf(why, sizeof(why), "key '%s' outside the [evtapd] section%s%s%s", name,
			 *section ? " (in [" : "", section, *section ? "])" : "");
	} else if (!(def = options_find(name))) {
		snprintf(why, sizeof(why), "unknown key '%s'", name);
	} else if (!(kept = keep_string(ctx->cfg, value))) {
		snprintf(why, sizeof(why), "out of memory");
	} else if (options_set(ctx->cfg, def, kept)) {
		snprintf(why, sizeof(why), "bad value '%s' for %s: expected %s", value, name,
			 def->arg ? def->help : "yes or no");
	} else {
		return 1;
	}
	if (!ctx->line) {
		ctx->line = ctx->lineno;
		snprintf(ctx->reason, sizeof(ctx->reason), "%s", why);
	}
	return 0;
}

/* Counts lines as inih reads them, so that the handler knows which line it is on. */
static char *read_line(char *str, int num, void *stream)
{
	struct parse_ctx *ctx = stream;
	char *line = fgets(str, num, ctx->file);

	if (line)
		ctx->lineno++;
	return line;
}

/*
 * The [fleet] section as a whole, once read: what evtapd needs of it (the custodian's key to
 * seal users' keys to, the ship group to share the store with) and what evtap-shipd will.
 */
static int check_fleet(struct daemon_config *cfg, const char *path, char *err, size_t errlen)
{
	char why[384];

	if (!cfg->fleet_on)
		return 0;
	if (fleet_conf_check(&cfg->fleet, FLEET_NEED_AGENT, why, sizeof(why))) {
		snprintf(err, errlen, "%s: [fleet] %s", path, why);
		return -EINVAL;
	}
	if (!getgrnam(cfg->fleet.ship_group)) {
		snprintf(err, errlen,
			 "%s: [fleet] ship-group: no group '%s': expected the group "
			 "evtap-shipd runs in (see evtap-shipd(8))",
			 path, cfg->fleet.ship_group);
		return -EINVAL;
	}
	if (!getpwnam(cfg->fleet.ship_user)) {
		snprintf(err, errlen,
			 "%s: [fleet] ship-user: no user '%s': expected the user evtap-shipd "
			 "runs as (see evtap-shipd(8))",
			 path, cfg->fleet.ship_user);
		return -EINVAL;
	}
	return 0;
}

int config_read_file(struct daemon_config *cfg, const char *path, int must_exist, char *err,
		     size_t errlen)
{
	struct parse_ctx ctx = { .cfg = cfg };
	int ret;

	ctx.file = fopen(path, "re");
	if (!ctx.file) {
		ret = -errno;
		if (ret == -ENOENT && !must_exist)
			return 0;
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-ret));
		return ret;
	}
	ret = ini_parse_stream(read_line, &ctx, on_key, &ctx);
	fclose(ctx.file);
	if (ret == 0)
		return check_fleet(cfg, path, err, errlen);
	if (ret < 0) {
		snprintf(err, errlen, "%s: cannot parse: out of memory", path);
		return -ENOMEM;
	}
	if (ctx.line == ret)
		snprintf(err, errlen, "%s:%d: %s", path, ret, ctx.reason);
	else
		snprintf(err, errlen, "%s:%d: syntax error: expected [evtapd] or key = value", path,
			 ret);
	return -EINVAL;
}

enum options_result config_load(struct daemon_config *cfg, int argc, char **argv, char *err,
				size_t errlen)
{
	struct daemon_config flags;
	enum options_result r;

	/* The flags first, alone: they say which file, and a bad one is reported as such. */
	options_defaults(&flags);
	r = options_parse(&flags, argc, argv, err, errlen);
	options_defaults(cfg);
	if (r != OPTIONS_RUN)
		return r;
	cfg->config_path = flags.config_path;
	if (config_read_file(cfg, flags.config_path, flags.config_explicit, err, errlen))
		return OPTIONS_BAD_CONFIG;
	return options_parse(cfg, argc, argv, err, errlen);
}

void config_free(struct daemon_config *cfg)
{
	struct config_string *s, *next;

	for (s = cfg->owned; s; s = next) {
		next = s->next;
		free(s);
	}
	cfg->owned = NULL;
	fleet_conf_free(&cfg->fleet);
}
