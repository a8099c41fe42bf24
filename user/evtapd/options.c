// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One table describes every setting: its flag, its argument and how to parse it, so that the
 * usage text and the parser cannot drift apart.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "evtap.h"
#include "names.h"
#include "kpath.h"
#include "metrics.h"
#include "options.h"
#include "request.h"
#include "session.h"

static int set_data_dir(struct daemon_config *cfg, const char *v)
{
	cfg->data_dir = v;
	return *v ? 0 : -EINVAL;
}

static int set_key_dir(struct daemon_config *cfg, const char *v)
{
	cfg->key_dir = v;
	return *v ? 0 : -EINVAL;
}

static int set_socket(struct daemon_config *cfg, const char *v)
{
	cfg->socket_path = v;
	return *v ? 0 : -EINVAL;
}

static int set_session(struct daemon_config *cfg, const char *v)
{
	cfg->session_spec = v;
	if (!strcmp(v, "logind") || !strcmp(v, "tty") || (!strncmp(v, "file:", 5) && v[5]))
		return 0;
	if (!strncmp(v, "static:", 7) && v[7]) {
		char *end;
		errno = 0;
		unsigned long uid = strtoul(v + 7, &end, 10);
		return *end || errno || uid >= EVTAP_UID_NONE ? -EINVAL : 0;
	}
	return -EINVAL;
}

static int set_level(struct daemon_config *cfg, const char *v)
{
	cfg->level = evtap_level_parse(v);
	return cfg->level < 0 ? -EINVAL : 0;
}

static int set_default_consent(struct daemon_config *cfg, const char *v)
{
	if (!strcmp(v, "record"))
		cfg->default_consent = EVTAP_DEFAULT_RECORD;
	else if (!strcmp(v, "skip"))
		cfg->default_consent = EVTAP_DEFAULT_SKIP;
	else
		return -EINVAL;
	return 0;
}

static int parse_count(const char *v, long long min, long long max, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(v, &end, 10);
	return !*v || *end || errno || *out < min || *out > max ? -EINVAL : 0;
}

static int set_time_granularity(struct daemon_config *cfg, const char *v)
{
	long long ms;

	if (parse_count(v, 0, 3600 * 1000, &ms))
		return -EINVAL;
	cfg->time_granularity_ns = ms * 1000000;
	return 0;
}

static int set_interval(int64_t *out, const char *v)
{
	int64_t ns;

	if (clock_parse_duration(v, &ns) || ns < 10000000 || ns > 3600 * 1000000000LL)
		return -EINVAL;
	*out = ns;
	return 0;
}

static int set_flush_interval(struct daemon_config *cfg, const char *v)
{
	return set_interval(&cfg->flush_interval_ns, v);
}

static int set_count_interval(struct daemon_config *cfg, const char *v)
{
	return set_interval(&cfg->count_interval_ns, v);
}

static int set_poll_interval(struct daemon_config *cfg, const char *v)
{
	return set_interval(&cfg->poll_interval_ns, v);
}

/* At least a second: a shorter one would again show the rhythm of typing. */
static int set_metrics_interval(struct daemon_config *cfg, const char *v)
{
	int64_t ns;

	if (set_interval(&ns, v) || ns < 1000000000LL)
		return -EINVAL;
	cfg->metrics_interval_ns = ns;
	return 0;
}

/* The ring buffer's size must be a power of two pages. */
static int set_ringbuf_kb(struct daemon_config *cfg, const char *v)
{
	long long kb;

	if (parse_count(v, 4, 1 << 20, &kb) || (kb & (kb - 1)))
		return -EINVAL;
	cfg->ringbuf_bytes = (uint32_t)kb * 1024;
	return 0;
}

static int set_wakeup_kb(struct daemon_config *cfg, const char *v)
{
	long long kb;

	if (parse_count(v, 0, 1 << 20, &kb))
		return -EINVAL;
	cfg->wakeup_bytes = (uint32_t)kb * 1024;
	return 0;
}

static int set_buffer(struct daemon_config *cfg, const char *v)
{
	cfg->buffer = kpath_buffer_parse(v);
	return cfg->buffer < 0 ? -EINVAL : 0;
}

static int set_attach(struct daemon_config *cfg, const char *v)
{
	cfg->attach = kpath_attach_parse(v);
	return cfg->attach < 0 ? -EINVAL : 0;
}

static int set_retention_days(struct daemon_config *cfg, const char *v)
{
	long long days;

	if (parse_count(v, 0, 100 * 366, &days))
		return -EINVAL;
	cfg->retention_ns = days * 86400 * 1000000000LL;
	return 0;
}

static int set_mb(uint64_t *out, const char *v)
{
	long long mb;

	if (parse_count(v, 0, 1LL << 30, &mb))
		return -EINVAL;
	*out = (uint64_t)mb << 20;
	return 0;
}

static int set_max_disk_mb(struct daemon_config *cfg, const char *v)
{
	return set_mb(&cfg->max_user_bytes, v);
}

static int set_max_total_mb(struct daemon_config *cfg, const char *v)
{
	return set_mb(&cfg->max_total_bytes, v);
}

static int parse_switch(const char *v, int *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
		*out = 1;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0"))
		*out = 0;
	else
		return -EINVAL;
	return 0;
}

static int set_user(struct daemon_config *cfg, const char *v)
{
	cfg->user = v;
	return *v ? 0 : -EINVAL;
}

static int set_pin(struct daemon_config *cfg, const char *v)
{
	return parse_switch(v, &cfg->pin);
}

static int set_verbose(struct daemon_config *cfg, const char *v)
{
	return parse_switch(v, &cfg->verbose);
}

static int set_metrics(struct daemon_config *cfg, const char *v)
{
	cfg->metrics = v;
	return metrics_check_spec(v);
}

static const struct option_def option_defs[] = {
	{ "data-dir", "DIR", "the store, consent and audit log (/var/lib/evtap)", set_data_dir },
	{ "key-dir", "DIR", "the users' keys, outside the data dir (/var/lib/evtap-keys)",
	  set_key_dir },
	{ "retention-days", "N", "delete segments whose newest record is older (0: keep)",
	  set_retention_days },
	{ "max-disk-mb", "N", "per user: delete the oldest segments past this (0: no limit)",
	  set_max_disk_mb },
	{ "max-total-mb", "N", "all users: delete the oldest segments past this (0: no limit)",
	  set_max_total_mb },
	{ "socket", "PATH", "the control socket (/run/evtap/evtap.sock)", set_socket },
	{ "session-source", "SPEC", "logind, tty, file:PATH or static:UID (logind where it runs)",
	  set_session },
	{ "level", "LEVEL", "the fleet's level: off, counts, classes or full (classes)",
	  set_level },
	{ "default-consent", "WHAT", "for users who never chose: record or skip (record)",
	  set_default_consent },
	{ "time-granularity", "MS", "round timestamps down to this many ms in the kernel (0)",
	  set_time_granularity },
	{ "flush-interval", "DUR", "fsync the store this often: bounds crash loss (1s)",
	  set_flush_interval },
	{ "count-interval", "DUR", "level counts: one record per user per interval (1s)",
	  set_count_interval },
	{ "poll-interval", "DUR", "read the ring buffer at least this often (250ms)",
	  set_poll_interval },
	{ "ringbuf-kb", "KB", "ring buffer size, a power of two (1024)", set_ringbuf_kb },
	{ "wakeup-kb", "KB", "wake the collector at this much buffered, <= half the ring (512)",
	  set_wakeup_kb },
	{ "buffer", "WHICH", "ringbuf, perf (before Linux 5.8) or auto: what the kernel has (auto)",
	  set_buffer },
	{ "attach", "HOW", "fentry, kprobe or auto: fentry if it attaches, else kprobe (auto)",
	  set_attach },
	{ "user", "NAME", "run as this user once the programs are loaded (evtap; root for tests)",
	  set_user },
	{ "pin", NULL, "pin maps and links under /sys/fs/bpf/evtap for bpftool (no)", set_pin },
	{ "metrics", "WHERE",
	  "Prometheus metrics, loopback only: unix:PATH, 127.0.0.1:PORT, [::1]:PORT (none)",
	  set_metrics },
	{ "metrics-interval", "DUR", "take the metrics' snapshot this often, >= 1s (15s)",
	  set_metrics_interval },
	{ "verbose", NULL, "log debug messages, and libbpf's (no)", set_verbose },
};

#define N_DEFS (sizeof(option_defs) / sizeof(option_defs[0]))
_Static_assert(N_DEFS <= 64, "options_given keeps one bit per setting");

const struct option_def *options_find(const char *name)
{
	for (size_t i = 0; i < N_DEFS; i++)
		if (!strcmp(option_defs[i].name, name))
			return &option_defs[i];
	return NULL;
}

int options_set(struct daemon_config *cfg, const struct option_def *def, const char *value)
{
	int ret = def->set(cfg, value);

	if (!ret)
		cfg->given |= 1ULL << (def - option_defs);
	return ret;
}

int options_given(const struct daemon_config *cfg, const char *name)
{
	const struct option_def *def = options_find(name);

	return def && (cfg->given >> (def - option_defs)) & 1;
}

void options_defaults(struct daemon_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	fleet_conf_init(&cfg->fleet);
	cfg->data_dir = "/var/lib/evtap";
	cfg->key_dir = "/var/lib/evtap-keys";
	cfg->socket_path = REQUEST_SOCKET_DEFAULT;
	cfg->user = "evtap";
	cfg->level = EVTAP_LEVEL_CLASSES;
	cfg->default_consent = EVTAP_DEFAULT_RECORD;
	cfg->flush_interval_ns = 1000000000LL;
	cfg->count_interval_ns = 1000000000LL;
	cfg->poll_interval_ns = 250000000LL;
	cfg->metrics_interval_ns = 15000000000LL;
	cfg->ringbuf_bytes = 1 << 20;
	cfg->wakeup_bytes = 512 << 10;
	cfg->config_path = "/etc/evtap/evtap.conf";
}

void options_usage(FILE *out)
{
	fprintf(out, "usage: evtapd [OPTION]...\n\nCaptures keyboard and mouse activity with eBPF "
		     "and stores it for the users who consent.\n\n");
	char flag[64];

	for (size_t i = 0; i < N_DEFS; i++) {
		snprintf(flag, sizeof(flag), "--%s %s", option_defs[i].name,
			 option_defs[i].arg ?: "");
		fprintf(out, "  %-24s %s\n", flag, option_defs[i].help);
	}
	fprintf(out, "  %-24s read settings from FILE (/etc/evtap/evtap.conf); flags override\n",
		"-c, --config FILE");
	fprintf(out, "  %-24s validate the settings and exit\n", "--check-config");
	fprintf(out, "  %-24s print what the kernel offers and what evtapd would use\n", "--probe");
	fprintf(out, "  %-24s show this help\n", "--help");
}

enum options_result options_parse(struct daemon_config *cfg, int argc, char **argv, char *err,
				  size_t errlen)
{
	struct option longopts[N_DEFS + 5] = {
		[N_DEFS] = { "help", no_argument, NULL, 'h' },
		[N_DEFS + 1] = { "config", required_argument, NULL, 'c' },
		[N_DEFS + 2] = { "check-config", no_argument, NULL, 'C' },
		[N_DEFS + 3] = { "probe", no_argument, NULL, 'P' },
	};
	int c;

	for (size_t i = 0; i < N_DEFS; i++)
		longopts[i] = (struct option){ option_defs[i].name,
					       option_defs[i].arg ? required_argument : no_argument,
					       NULL, 256 + (int)i };
	cfg->argc = argc;
	cfg->argv = argv;
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+:vhc:", longopts, NULL)) != -1) {
		if (c >= 256) {
			const struct option_def *d = &option_defs[c - 256];
			if (options_set(cfg, d, optarg ?: "yes") == 0)
				continue;
			snprintf(err, errlen, "--%s: bad value '%s': expected %s", d->name, optarg,
				 d->help);
			return OPTIONS_USAGE;
		}
		if (c == 'v') {
			cfg->verbose = 1;
		} else if (c == 'c') {
			cfg->config_path = optarg;
			cfg->config_explicit = 1;
		} else if (c == 'C') {
			cfg->check_config = 1;
		} else if (c == 'P') {
			cfg->probe = 1;
		} else if (c == 'h') {
			return OPTIONS_EXIT_OK;
		} else if (c == ':') {
			snprintf(err, errlen, "%s: expected an argument", argv[optind - 1]);
			return OPTIONS_USAGE;
		} else {
			snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]);
			return OPTIONS_USAGE;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return OPTIONS_USAGE;
	}
	if (!cfg->session_spec)
		cfg->session_spec = session_default_spec();
	return OPTIONS_RUN;
}
