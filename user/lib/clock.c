// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "clock.h"

static int64_t wall_minus_mono;

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t clock_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

int64_t clock_wall_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

void clock_sync(void)
{
	wall_minus_mono = clock_wall_ns() - clock_mono_ns();
}

int64_t clock_mono_to_wall(uint64_t mono_ns)
{
	if (!wall_minus_mono)
		clock_sync();
	return (int64_t)mono_ns + wall_minus_mono;
}

uint64_t clock_wall_to_mono(int64_t wall_ns)
{
	if (!wall_minus_mono)
		clock_sync();
	return wall_ns > wall_minus_mono ? (uint64_t)(wall_ns - wall_minus_mono) : 0;
}

void clock_format_rfc3339(int64_t wall_ns, char *buf, unsigned long len)
{
	time_t secs = (time_t)(wall_ns / 1000000000);
	long usec = (long)(wall_ns % 1000000000) / 1000;
	struct tm tm;

	if (usec < 0) {
		secs--;
		usec += 1000000;
	}
	gmtime_r(&secs, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
}

static int parse_fraction_ns(const char **p, long *ns)
{
	long scale = 100000000;

	*ns = 0;
	if (**p != '.')
		return 0;
	for ((*p)++; **p >= '0' && **p <= '9'; (*p)++) {
		*ns += (**p - '0') * scale;
		scale /= 10;
	}
	return 0;
}

static int parse_zone(const char *p, long *offset_s)
{
	int hh, mm, n = 0;

	if (!strcmp(p, "Z") || !strcmp(p, "z")) {
		*offset_s = 0;
		return 0;
	}
	if ((*p != '+' && *p != '-') || sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &n) != 2 ||
	    p[1 + n] != '\0')
		return -EINVAL;
	*offset_s = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
	return 0;
}

int clock_parse_time(const char *s, int64_t *wall_ns)
{
	struct tm tm = { 0 };
	const char *p;
	char *end;
	long ns, offset_s;

	errno = 0;
	long long secs = strtoll(s, &end, 10);
	if (*s && !*end && !errno) {
		*wall_ns = (int64_t)secs * 1000000000;
		return 0;
	}
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p || parse_fraction_ns(&p, &ns) || parse_zone(p, &offset_s))
		return -EINVAL;
	*wall_ns = ((int64_t)timegm(&tm) - offset_s) * 1000000000 + ns;
	return 0;
}

int clock_parse_duration(const char *s, int64_t *ns)
{
	static const struct {
		const char *unit;
		int64_t ns;
	} units[] = { { "", 1000000000LL },	    { "ms", 1000000LL },
		      { "s", 1000000000LL },	    { "m", 60 * 1000000000LL },
		      { "h", 3600 * 1000000000LL }, { "d", 86400 * 1000000000LL } };
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno || v < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit)) {
			if (v > INT64_MAX / units[i].ns)
				return -ERANGE;
			*ns = v * units[i].ns;
			return 0;
		}
	return -EINVAL;
}
