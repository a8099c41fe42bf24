// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Excluded purposes as a comma-separated list (purposes.h). */
#include <errno.h>
#include <string.h>
#include "purposes.h"

int purpose_name_ok(const char *name, size_t len)
{
	return len && len <= PURPOSE_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") >= len;
}

/* The entry of name in list, or NULL. */
static const char *find(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		if (!strncmp(p, name, n) && (p[n] == ',' || !p[n]))
			return p;
	}
	return NULL;
}

int purposes_has(const char *list, const char *name)
{
	return find(list, name) != NULL;
}

int purposes_list_ok(const char *list)
{
	char seen[PURPOSES_TEXT] = "", name[PURPOSE_NAME_MAX + 1];
	size_t n = 0, len;

	if (!*list)
		return 1;
	if (strlen(list) >= PURPOSES_TEXT)
		return 0;
	for (const char *p = list;; p += len + 1) {
		len = strcspn(p, ",");
		if (!purpose_name_ok(p, len) || ++n > PURPOSES_MAX)
			return 0;
		memcpy(name, p, len);
		name[len] = 0;
		if (purposes_has(seen, name) || purposes_add(seen, name))
			return 0;
		if (!p[len])
			return 1;
	}
}

int purposes_add(char *list, const char *name)
{
	size_t used = strlen(list);

	if (purposes_has(list, name))
		return 0;
	if (used + !!used + strlen(name) >= PURPOSES_TEXT)
		return -ENOSPC;
	if (used)
		list[used++] = ',';
	strcpy(list + used, name);
	return 0;
}

void purposes_remove(char *list, const char *name)
{
	char *at = (char *)find(list, name);
	size_t n = strlen(name);

	if (!at)
		return;
	if (at[n] == ',')
		memmove(at, at + n + 1, strlen(at + n + 1) + 1);
	else if (at > list)
		at[-1] = 0; /* the last one: drop its comma too */
	else
		*at = 0;
}
