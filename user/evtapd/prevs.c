// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>
#include "prevs.h"

void *prevs_get(struct prevs *t, const void *key, size_t key_size, size_t value_size)
{
	size_t size = key_size + value_size;
	unsigned char *item;

	t->key_size = key_size;
	t->value_size = value_size;
	for (size_t i = 0; i < t->n; i++) {
		item = t->items + i * size;
		if (!memcmp(item, key, key_size))
			return item + key_size;
	}
	item = reallocarray(t->items, t->n + 1, size);
	if (!item)
		return NULL;
	t->items = item;
	item += t->n++ * size;
	memcpy(item, key, key_size);
	memset(item + key_size, 0, value_size);
	return item + key_size;
}

void prevs_free(struct prevs *t)
{
	free(t->items);
	memset(t, 0, sizeof(*t));
}
