// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target: the control-socket request parser, which reads what any local user sends. */
#include <stddef.h>
#include <stdint.h>
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request req;
	char err[256];

	request_parse((const char *)data, size, &req, err, sizeof(err));
	return 0;
}
