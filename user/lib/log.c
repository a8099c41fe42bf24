// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Logs go to stderr. Under systemd (JOURNAL_STREAM set) each line carries the "<N>" priority
 * prefix that journald parses; elsewhere the level is spelled out for a person.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "log.h"

static const char *log_ident = "evtap";
static int log_max = LOG_INFO;
static int log_to_journal;

void log_init(const char *ident, int max_priority)
{
	log_ident = ident;
	log_max = max_priority;
	log_to_journal = getenv("JOURNAL_STREAM") != NULL;
}

static const char *level_name(int priority)
{
	static const char *const names[] = { "emergency", "alert",  "critical", "error",
					     "warning",	  "notice", "info",	"debug" };

	return names[priority & 7];
}

void log_msg(int priority, const char *fmt, ...)
{
	va_list ap;

	if (priority > log_max)
		return;
	if (log_to_journal)
		fprintf(stderr, "<%d>", priority);
	else
		fprintf(stderr, "%s: %s: ", log_ident, level_name(priority));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
