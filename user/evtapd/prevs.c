// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "prevs.h"

/* Rounds up to malloc's alignment, which any value's type may need (__u64 totals after a uid). */
static size_t aligned(size_t n)
{
	size_t a = _Alignof(max_align_t);

	return (n + a - 1) / a * a;
}

void *prevs_get(struct prevs *t, const void *key, size_t key_size, size_t value_size)
{
	size_t key_room = aligned(key_size), size = key_room + aligned(value_size);
	unsigned char *item;

	t->key_size = key_size;
	t->value_size = value_size;
	for (size_t i = 0; i < t->n; i++) {
		item = t->items + i * size;
		if (!memcmp(item, key, key_size))
			return item + key_room;
	}
	item = reallocarray(t->items, t->n + 1, size);
	if (!item)
		return NULL;
	t->items = item;
	item += t->n++ * size;
	memset(item, 0, size);
	memcpy(item, key, key_size);
	return item + key_room;
}

void prevs_free(struct prevs *t)
{
	free(t->items);
	memset(t, 0, sizeof(*t));
}
