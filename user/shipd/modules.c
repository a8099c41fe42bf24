// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The loop's other steps. Each module gets the shipper (its connection sd->nc and sd->js,
 * its users) at start, a poll on every turn of the loop, which must not block, and a stop.
 * Consent sync and forget (docs/FLEET.md) join the table here.
 */
#include <stddef.h>
#include "shipd.h"

struct module {
	const char *name;
	int (*start)(struct shipd *sd);
	void (*poll)(struct shipd *sd, int64_t now);
	void (*stop)(struct shipd *sd);
};

static const struct module modules[] = {
	{ NULL },
};

int modules_start(struct shipd *sd)
{
	for (const struct module *m = modules; m->name; m++) {
		int err = m->start(sd);

		if (err)
			return err;
	}
	return 0;
}

void modules_poll(struct shipd *sd, int64_t now)
{
	for (const struct module *m = modules; m->name; m++)
		m->poll(sd, now);
}

void modules_stop(struct shipd *sd)
{
	for (const struct module *m = modules; m->name; m++)
		m->stop(sd);
}
