// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The operator's view of what init and add-host did. */
#include <stdio.h>
#include "report.h"

void report_file(const char *path, enum file_result r, mode_t mode, const char *where)
{
	printf("  %-9s %04o %s\n            -> %s\n", file_result_name(r), (unsigned int)mode, path,
	       where);
}
