/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Each key's totals as of the last interval, for the collector's deltas over cumulative
 * kernel maps ("counts", "display"): a small array searched linearly, one entry per key seen,
 * each value aligned as malloc aligns, whatever the key's size.
 */
#ifndef EVTAP_PREVS_H
#define EVTAP_PREVS_H

#include <stddef.h>

struct prevs {
	size_t key_size;
	size_t value_size;
	size_t n;
	unsigned char *items; /* n entries of key then value */
};

/*
 * The value last stored for key, created zeroed on first use; NULL when out of memory. Every
 * call on one table must pass the same sizes.
 */
void *prevs_get(struct prevs *t, const void *key, size_t key_size, size_t value_size);

void prevs_free(struct prevs *t);

#endif /* EVTAP_PREVS_H */
