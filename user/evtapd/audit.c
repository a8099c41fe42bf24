// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>
#include <json-c/json.h>
#include "audit.h"
#include "clock.h"
#include "log.h"

static int audit_fd = -1;

int audit_open(const char *path)
{
	audit_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	return audit_fd < 0 ? -errno : 0;
}

void audit_close(void)
{
	if (audit_fd >= 0)
		close(audit_fd);
	audit_fd = -1;
}

static void add_string(json_object *o, const char *key, const char *value)
{
	if (value)
		json_object_object_add(o, key, json_object_new_string(value));
}

int audit_log(const struct audit_entry *e)
{
	json_object *o = json_object_new_object();
	const char *line;
	char ts[40];
	int ret = 0;

	clock_format_rfc3339(clock_wall_ns(), ts, sizeof(ts));
	add_string(o, "ts", ts);
	json_object_object_add(o, "caller_uid", json_object_new_int64(e->caller_uid));
	json_object_object_add(o, "caller_pid", json_object_new_int(e->caller_pid));
	add_string(o, "op", e->op);
	if (e->target_uid >= 0)
		json_object_object_add(o, "uid", json_object_new_int64(e->target_uid));
	add_string(o, "old", e->old_value);
	add_string(o, "new", e->new_value);
	add_string(o, "result", e->result);
	line = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	struct iovec iov[2] = { { (void *)line, strlen(line) }, { "\n", 1 } };

	/* One write per line, so that lines never interleave; fsync, as it is the record. */
	if (writev(audit_fd, iov, 2) < 0 || fsync(audit_fd))
		ret = -errno;
	if (ret)
		log_err("audit log: %s", strerror(-ret));
	json_object_put(o);
	return ret;
}
