// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The store's file I/O: the system calls themselves, unless a test replaced them. */
#include <unistd.h>
#include "fileio.h"

struct fileio fileio = {
	.write = write,
	.fsync = fsync,
	.ftruncate = ftruncate,
};
