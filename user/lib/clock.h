/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Kernel timestamps are CLOCK_MONOTONIC; the store and export speak wall-clock time. */
#ifndef EVTAP_CLOCK_H
#define EVTAP_CLOCK_H

#include <stdint.h>

int64_t clock_mono_ns(void);
int64_t clock_wall_ns(void);

/* Re-reads the offset between the two clocks: call it once per poll, as NTP may step. */
void clock_sync(void);
int64_t clock_mono_to_wall(uint64_t mono_ns);
uint64_t clock_wall_to_mono(int64_t wall_ns);

/* RFC 3339 UTC with microseconds, e.g. 2026-11-28T23:26:32.123456Z; buf >= 32 bytes. */
void clock_format_rfc3339(int64_t wall_ns, char *buf, unsigned long len);
/* Parses RFC 3339 (UTC "Z" or an offset), or a number of seconds since the epoch. */
int clock_parse_time(const char *s, int64_t *wall_ns);

/* Parses a duration: a number with a unit, ms, s, m, h or d ("15m"); a bare number is seconds. */
int clock_parse_duration(const char *s, int64_t *ns);

#endif /* EVTAP_CLOCK_H */
