// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <json-c/json.h>
#include "audit.h"
#include "clock.h"
#include "log.h"

/*
 * Refusals are logged from a token bucket: a burst of AUDIT_REFUSAL_BURST, then
 * AUDIT_REFUSALS_PER_S a second; past that they are counted, not logged, so that no one can
 * flood the log or keep the loop busy with its fsyncs.
 */
#define AUDIT_REFUSAL_BURST  64
#define AUDIT_REFUSALS_PER_S 10

static int audit_fd = -1;
static char audit_path[PATH_MAX];
static off_t audit_bytes;
static int64_t refusal_tokens_at = INT64_MIN; /* when the bucket was last filled */
static int64_t refusal_tokens;		      /* in refusals, times 1e9 */
static uint64_t refusals_unlogged;

static int open_log(void)
{
	struct stat st;

	audit_fd = open(audit_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (audit_fd < 0 || fstat(audit_fd, &st))
		return -errno;
	audit_bytes = st.st_size;
	return 0;
}

int audit_open(const char *path)
{
	snprintf(audit_path, sizeof(audit_path), "%s", path);
	return open_log();
}

static void log_unlogged(void);

void audit_close(void)
{
	log_unlogged();
	if (audit_fd >= 0)
		close(audit_fd);
	audit_fd = -1;
}

/* audit.log becomes audit.log.1, replacing the one before: two files at most. */
static void rotate(void)
{
	char old[PATH_MAX + 2];
	int err;

	snprintf(old, sizeof(old), "%s.1", audit_path);
	if (rename(audit_path, old)) {
		log_err("audit log: cannot rotate: %s", strerror(errno));
		return;
	}
	close(audit_fd);
	err = open_log();
	if (err)
		log_err("audit log: %s", strerror(-err));
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

	if (audit_bytes >= AUDIT_MAX_BYTES)
		rotate();
	/* One write per line, so that lines never interleave; fsync, as it is the record. */
	if (writev(audit_fd, iov, 2) < 0 || fsync(audit_fd))
		ret = -errno;
	else
		audit_bytes += (off_t)iov[0].iov_len + 1;
	if (ret)
		log_err("audit log: %s", strerror(-ret));
	json_object_put(o);
	return ret;
}

/* The count of refusals the rate limit kept out of the log, as one line of its own. */
static void log_unlogged(void)
{
	char count[32];
	struct audit_entry e = {
		.caller_pid = getpid(),
		.op = "refusals-not-logged",
		.target_uid = -1,
		.result = count,
	};

	if (!refusals_unlogged || audit_fd < 0)
		return;
	snprintf(count, sizeof(count), "%llu", (unsigned long long)refusals_unlogged);
	refusals_unlogged = 0;
	audit_log(&e);
}

int audit_log_refusal(const struct audit_entry *e)
{
	const int64_t one = 1000000000, full = AUDIT_REFUSAL_BURST * one;
	int64_t now = clock_mono_ns();

	if (refusal_tokens_at == INT64_MIN)
		refusal_tokens = full;
	else
		refusal_tokens += (now - refusal_tokens_at) * AUDIT_REFUSALS_PER_S;
	if (refusal_tokens > full)
		refusal_tokens = full;
	refusal_tokens_at = now;
	if (refusal_tokens < one) {
		refusals_unlogged++;
		return 0;
	}
	refusal_tokens -= one;
	log_unlogged();
	return audit_log(e);
}
