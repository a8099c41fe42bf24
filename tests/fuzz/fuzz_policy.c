// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: the fleet policy's parsers, which read what anyone who may write the
 * evtap-policy bucket put there (evtap-shipd, the custodian) and what evtapd reads back from its
 * saved copy. The first byte picks the key; a value that parses must format to one that parses
 * to the same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "policy.h"

static void value(enum policy_key k, const char *text)
{
	struct policy_values v = { 0 }, again = { 0 };
	char buf[POLICY_VALUE_MAX + 64], buf2[POLICY_VALUE_MAX + 64];

	if (policy_parse(&v, k, text))
		return;
	policy_format(&v, k, buf, sizeof(buf));
	if (policy_parse(&again, k, buf))
		abort();
	policy_format(&again, k, buf2, sizeof(buf2));
	if (strcmp(buf, buf2))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char why[POLICY_KEYS + 1][POLICY_WHY_MAX];
	struct fleet_policy p;
	json_object *o;
	char *text;

	if (!size)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	value((enum policy_key)(data[0] % POLICY_KEYS), text);
	o = json_tokener_parse(text);
	if (o) {
		memset(&p, 0, sizeof(p));
		policy_from_json(o, &p, why);
		json_object_put(o);
	}
	free(text);
	return 0;
}
