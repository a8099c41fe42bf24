// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-fleet init and add-host: the files of DIR, then (init) the streams and buckets. The
 * state is the files themselves: keys and credentials are made once and kept; the server's
 * accounts file is rebuilt from the credentials files on every run, and rewritten only when
 * its text changes.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "admin.h"
#include "ctl.h"
#include "files.h"
#include "fleet_conf.h"
#include "fleet_names.h"
#include "fleet_pseudonym.h"
#include "perms.h"
#include "report.h"
#include "secrets.h"

#define AUTH_SUFFIX ".auth"

/* The credentials of user: kept when its file exists and reads well, else made. */
static int ensure_creds(const struct ctl *ctl, const char *user, const char *who, const char *where)
{
	struct fleet_creds cr = { 0 };
	char path[4096], text[512], comment[128], err[1024];
	int n, r;

	snprintf(path, sizeof(path), "%s/auth/%s" AUTH_SUFFIX, ctl->dir, user);
	if (!access(path, F_OK)) {
		r = fleet_creds_read(path, &cr, err, sizeof(err));
		sodium_memzero(&cr, sizeof(cr));
		if (r)
			return ctl_error(ctl, CTL_FAILED, "%s", err);
		report_file(path, FILE_KEPT, 0600, where);
		return 0;
	}
	snprintf(cr.user, sizeof(cr.user), "%s", user);
	secret_password(cr.password);
	fleet_inbox_prefix(cr.inbox, sizeof(cr.inbox), who);
	snprintf(comment, sizeof(comment), "evtap fleet credentials of %s", user);
	n = fleet_creds_format(text, sizeof(text), comment, &cr);
	sodium_memzero(&cr, sizeof(cr));
	r = n < 0 ? -ENAMETOOLONG : file_put(path, text, n, 0600);
	sodium_memzero(text, sizeof(text));
	if (r < 0)
		return ctl_error(ctl, CTL_FAILED, "%s: cannot write: %s", path, strerror(-r));
	report_file(path, r, 0600, where);
	return 0;
}

static int add_host(const struct ctl *ctl, const unsigned char *key, const char *machine_id)
{
	char host[FLEET_PSEUDONYM_LEN + 1], user[64], where[256];

	if (strcspn(machine_id, " \t\r\n") != strlen(machine_id) ||
	    fleet_pseudonym(host, key, machine_id))
		return ctl_error(ctl, CTL_USAGE,
				 "bad machine-id '%s': expected the text of the "
				 "machine's /etc/machine-id",
				 machine_id);
	snprintf(user, sizeof(user), PERMS_AGENT_PREFIX "%s", host);
	snprintf(where, sizeof(where),
		 "the machine with machine-id %s (host %s): "
		 "/etc/evtap/fleet/agent.auth",
		 machine_id, host);
	return ensure_creds(ctl, user, host, where);
}

/* One user of the accounts file, from its credentials file. */
static int write_user(const struct ctl *ctl, FILE *f, const char *name)
{
	struct fleet_creds cr;
	char path[4096], err[1024];
	const char *host = NULL, *role = name;
	int r;

	snprintf(path, sizeof(path), "%s/auth/%s" AUTH_SUFFIX, ctl->dir, name);
	if (fleet_creds_read(path, &cr, err, sizeof(err)))
		return ctl_error(ctl, CTL_FAILED, "%s", err);
	if (!strncmp(name, PERMS_AGENT_PREFIX, strlen(PERMS_AGENT_PREFIX))) {
		host = name + strlen(PERMS_AGENT_PREFIX);
		role = "agent";
	}
	r = perms_write_user(f, &cr, role, host);
	sodium_memzero(&cr, sizeof(cr));
	return r ? ctl_error(ctl, CTL_FAILED, "%s: cannot hash the password", path) : 0;
}

static int agent_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name), s = strlen(AUTH_SUFFIX);

	return !strncmp(d->d_name, PERMS_AGENT_PREFIX, strlen(PERMS_AGENT_PREFIX)) && n > s &&
	       !strcmp(d->d_name + n - s, AUTH_SUFFIX);
}

/*
 * Every agent's user name ("agent-<host>"), sorted, so that the same hosts always give the same
 * file: fn for each until it fails. Returns fn's failure, or CTL_FAILED when DIR/auth is
 * unreadable.
 */
static int each_agent(const struct ctl *ctl,
		      int (*fn)(const struct ctl *ctl, void *ctx, const char *name), void *ctx)
{
	struct dirent **list;
	char dir[4096];
	int n, ret = 0;

	snprintf(dir, sizeof(dir), "%s/auth", ctl->dir);
	n = scandir(dir, &list, agent_filter, alphasort);
	if (n < 0)
		return ctl_error(ctl, CTL_FAILED, "%s: %s", dir, strerror(errno));
	for (int i = 0; i < n; i++) {
		list[i]->d_name[strlen(list[i]->d_name) - strlen(AUTH_SUFFIX)] = '\0';
		if (!ret)
			ret = fn(ctl, ctx, list[i]->d_name);
		free(list[i]);
	}
	free(list);
	return ret;
}

static int write_agent(const struct ctl *ctl, void *f, const char *name)
{
	return write_user(ctl, f, name);
}

static int write_agents(const struct ctl *ctl, FILE *f)
{
	return each_agent(ctl, write_agent, f);
}

/* The agents' hosts, for their access-log feeds. */
struct hosts {
	char **list;
	int n;
};

static int add_agent_host(const struct ctl *ctl, void *ctx, const char *name)
{
	struct hosts *h = ctx;
	char **more = realloc(h->list, (size_t)(h->n + 1) * sizeof(*more));

	if (!more || !(more[h->n] = strdup(name + strlen(PERMS_AGENT_PREFIX)))) {
		h->list = more ?: h->list;
		return ctl_error(ctl, CTL_FAILED, "out of memory");
	}
	h->list = more;
	h->n++;
	return 0;
}

static int audit_feeds(const struct ctl *ctl, struct admin *a)
{
	struct hosts h = { 0 };
	int ret = each_agent(ctl, add_agent_host, &h)
			  ?: setup_audit_feeds(a, (const char *const *)h.list, h.n);

	for (int i = 0; i < h.n; i++)
		free(h.list[i]);
	free(h.list);
	return ret;
}

static int write_accounts(const struct ctl *ctl)
{
	char *text = NULL, path[4096];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int ret = 0, r;

	if (!f)
		return ctl_error(ctl, CTL_FAILED, "out of memory");
	perms_write_head(f);
	for (int i = 0; i < perms_nroles && !ret; i++)
		ret = write_user(ctl, f, perms_roles[i].name);
	if (!ret)
		ret = write_agents(ctl, f);
	perms_write_tail(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/fleet-accounts.conf", ctl->dir);
	if (!ret) {
		r = file_put(path, text, len, 0640);
		if (r < 0)
			ret = ctl_error(ctl, CTL_FAILED, "%s: cannot write: %s", path,
					strerror(-r));
		else
			report_file(path, r, 0640, REPORT_SERVER_CONF);
	}
	free(text);
	return ret;
}

/* A [fleet] section: for the admin here (paths in DIR), or the sample for agent machines. */
static int write_conf(const struct ctl *ctl, const char *name, const char *servers, int agent)
{
	char path[4096], text[8192];
	const char *base = agent ? "/etc/evtap/fleet" : ctl->dir;
	int n, r;

	n = snprintf(text, sizeof(text),
		     "[fleet]\nservers = %s\ncredentials = %s/%s\n"
		     "pseudonym-key = %s/pseudonym.key\ncustodian-public-key = %s/custodian.pub\n",
		     servers, agent ? base : ctl->dir, agent ? "agent.auth" : "auth/admin.auth",
		     base, base);
	if (n >= (int)sizeof(text))
		return ctl_error(ctl, CTL_USAGE, "--servers: too long");
	snprintf(path, sizeof(path), "%s/%s", ctl->dir, name);
	r = file_put(path, text, n, agent ? 0644 : 0600);
	if (r < 0)
		return ctl_error(ctl, CTL_FAILED, "%s: cannot write: %s", path, strerror(-r));
	report_file(path, r, agent ? 0644 : 0600, agent ? REPORT_AGENT_CONF : REPORT_ADMIN);
	return 0;
}

static int make_dirs(const struct ctl *ctl)
{
	char path[4096];
	int r = file_mkdir(ctl->dir, 0700);

	snprintf(path, sizeof(path), "%s/auth", ctl->dir);
	if (!r)
		r = file_mkdir(path, 0700);
	return r ? ctl_error(ctl, CTL_FAILED, "%s: %s", r == -ENOTDIR ? ctl->dir : path,
			     strerror(-r))
		 : 0;
}

static int add_hosts(const struct ctl *ctl)
{
	unsigned char key[FLEET_KEY_LEN];
	char path[4096], err[1024];
	int ret = 0;

	snprintf(path, sizeof(path), "%s/pseudonym.key", ctl->dir);
	if (fleet_read_key(path, key, err, sizeof(err)))
		return ctl_error(ctl, CTL_FAILED, "%s (run evtap-fleet init first)", err);
	for (int i = 0; i < ctl->nhosts && !ret; i++)
		ret = add_host(ctl, key, ctl->hosts[i]);
	sodium_memzero(key, sizeof(key));
	return ret;
}

static int files(const struct ctl *ctl, const char *servers)
{
	const struct perms_role *r;
	char err[1024];

	printf("files in %s:\n", ctl->dir);
	if (make_dirs(ctl))
		return CTL_FAILED;
	if (secret_keys(ctl->dir, err, sizeof(err)))
		return ctl_error(ctl, CTL_FAILED, "%s", err);
	for (r = perms_roles; r < perms_roles + perms_nroles; r++)
		if (ensure_creds(ctl, r->name, r->name, r->goes_to))
			return CTL_FAILED;
	if (add_hosts(ctl))
		return CTL_FAILED;
	if (write_conf(ctl, "admin.conf", servers, 0) || write_conf(ctl, "agent.conf", servers, 1))
		return CTL_FAILED;
	return write_accounts(ctl) ? CTL_FAILED : CTL_OK;
}

int ctl_init(struct ctl *ctl)
{
	struct fleet_conf c;
	struct admin a;
	char err[1024];
	int ret;

	if (ctl->nargs)
		return ctl_error(ctl, CTL_USAGE, "unexpected argument '%s'", ctl->args[0]);
	if (!ctl->servers)
		return ctl_error(ctl, CTL_USAGE, "--servers is required: URL[,URL...]");
	fleet_conf_init(&c);
	ret = fleet_conf_set(&c, "servers", ctl->servers, err, sizeof(err));
	fleet_conf_free(&c);
	if (ret)
		return ctl_error(ctl, CTL_USAGE, "--servers: %s", err);
	ret = files(ctl, ctl->servers);
	if (ret)
		return ret;
	printf("streams and buckets:\n");
	if (admin_connect(ctl, &a)) {
		printf("  not made: the servers do not answer. Start every node with "
		       "fleet-accounts.conf included, then run init again.\n");
		return CTL_OK;
	}
	ret = setup_streams(&a);
	printf("access-log feeds:\n");
	ret |= audit_feeds(ctl, &a);
	admin_close(&a);
	return ret;
}

int ctl_add_host(struct ctl *ctl)
{
	struct admin a;
	int ret = CTL_OK;

	if (ctl->nargs != 1)
		return ctl_error(ctl, CTL_USAGE, "expected one MACHINE-ID, got %d arguments",
				 ctl->nargs);
	ctl->hosts[0] = ctl->args[0];
	ctl->nhosts = 1;
	printf("files in %s:\n", ctl->dir);
	if (add_hosts(ctl) || write_accounts(ctl))
		return CTL_FAILED;
	printf("access-log feeds:\n");
	if (admin_connect(ctl, &a)) {
		printf("  not made: the servers do not answer. Run evtap-fleet init again once "
		       "they do: it makes every host's feed.\n");
	} else {
		ret = audit_feeds(ctl, &a);
		admin_close(&a);
	}
	printf("reload every nats-server node (nats-server --signal reload=PID) to admit it.\n");
	return ret;
}
