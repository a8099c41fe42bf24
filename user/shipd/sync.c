// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What consent sync and forget share (sync.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include "clock.h"
#include "log.h"
#include "sync.h"

#define OUTBOX_DIR     "fleet-outbox"
#define OUTBOX_MAX     64 /* records taken per poll: the loop goes on to other work */
#define CALL_TIMEOUT_S 2
#define PERSON_UID_MIN 1000
#define PERSON_UID_MAX 59999

int sync_passwd_accounts(void *ctx, struct sync_account *out, int max)
{
	const struct sync_host *h = ctx;
	struct passwd *pw;
	int n = 0;

	setpwent();
	while (n < max && (pw = getpwent()))
		if (pw->pw_uid >= PERSON_UID_MIN && pw->pw_uid <= PERSON_UID_MAX &&
		    !fleet_pseudonym(out[n].person, h->pseudonym_key, pw->pw_name))
			out[n++].uid = pw->pw_uid;
	endpwent();
	return n;
}

static int find(const struct sync_host *h, uint32_t uid, const char *person,
		struct sync_account *found)
{
	struct sync_account *acc = calloc(SYNC_MAX_ACCOUNTS, sizeof(*acc));
	int n, ret = -ENOENT;

	if (!acc)
		return -ENOMEM;
	n = h->accounts(h->ctx, acc, SYNC_MAX_ACCOUNTS);
	for (int i = 0; i < n && ret; i++)
		if (person ? !strcmp(acc[i].person, person) : acc[i].uid == uid) {
			*found = acc[i];
			ret = 0;
		}
	free(acc);
	return ret;
}

int sync_person_of(const struct sync_host *h, uint32_t uid, char person[FLEET_PSEUDONYM_LEN + 1])
{
	struct sync_account a;
	int ret = find(h, uid, NULL, &a);

	if (!ret)
		memcpy(person, a.person, sizeof(a.person));
	return ret;
}

int sync_uid_of(const struct sync_host *h, const char *person, uint32_t *uid)
{
	struct sync_account a;
	int ret = find(h, 0, person, &a);

	if (!ret)
		*uid = a.uid;
	return ret;
}

static int connect_evtapd(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CALL_TIMEOUT_S };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), err;

	if (fd < 0)
		return -errno;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	/* Bounded both ways: a stuck evtapd must not stop the shipper's loop for long. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static ssize_t read_line(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0) {
		got += (size_t)n;
		if (memchr(buf + got - n, '\n', (size_t)n))
			break;
	}
	buf[got] = '\0';
	return got ? (ssize_t)got : -EIO;
}

int sync_call_evtapd(const struct sync_host *h, const char *line, char *answer, size_t len)
{
	int fd = connect_evtapd(h->socket);
	size_t n = strlen(line);
	ssize_t got = -EIO;

	if (fd < 0)
		return fd;
	if (write(fd, line, n) == (ssize_t)n && write(fd, "\n", 1) == 1)
		got = read_line(fd, answer, len);
	close(fd);
	if (got < 0)
		return (int)got;
	return strncmp(answer, "{\"ok\":true", 10) ? -EPERM : 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Names end in ".<kind>"; evtapd's temporary files end in ".new" and are skipped. */
static const char *want_kind;

static int of_kind(const struct dirent *e)
{
	const char *dot = strrchr(e->d_name, '.');

	return dot && !strcmp(dot + 1, want_kind);
}

static int take_record(int dir_fd, const char *name, sync_outbox_fn fn, void *ctx)
{
	int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), ret;
	json_object *rec = fd < 0 ? NULL : json_object_from_fd(fd);

	if (fd >= 0)
		close(fd);
	if (!rec) {
		/* Not evtapd's writing: a torn file cannot be, as it renames whole files. */
		log_warn("fleet outbox: %s: not a record; removed", name);
		unlinkat(dir_fd, name, 0);
		return 0;
	}
	ret = fn(ctx, name, rec);
	json_object_put(rec);
	if (!ret && unlinkat(dir_fd, name, 0))
		log_warn("fleet outbox: %s: cannot remove: %s", name, strerror(errno));
	return ret;
}

void sync_outbox_each(const struct sync_host *h, const char *kind, sync_outbox_fn fn, void *ctx)
{
	struct dirent **list = NULL;
	char path[512];
	int n, dir_fd, stop = 0;

	snprintf(path, sizeof(path), "%s/%s", h->data_dir, OUTBOX_DIR);
	dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return; /* not yet made: evtapd makes it at start in fleet mode */
	want_kind = kind;
	n = scandirat(dir_fd, ".", &list, of_kind, by_name);
	for (int i = 0; i < n; i++) {
		if (!stop && i < OUTBOX_MAX)
			stop = take_record(dir_fd, list[i]->d_name, fn, ctx);
		free(list[i]);
	}
	free(list);
	close(dir_fd);
}

int64_t sync_json_int(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int)
		       ? json_object_get_int64(v)
		       : 0;
}

const char *sync_json_str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

int sync_connected(const struct sync_host *h)
{
	return natsConnection_Status(h->nc) == NATS_CONN_STATUS_CONNECTED;
}

kvStore *sync_bind(const struct sync_host *h, jsCtx **js, const char *bucket, int64_t *next_try)
{
	int64_t now = clock_mono_ns();
	kvStore *kv = NULL;
	jsOptions o;

	if (!sync_connected(h) || now < *next_try)
		return NULL;
	jsOptions_Init(&o);
	o.Wait = SYNC_KV_WAIT_MS;
	if ((!*js && natsConnection_JetStream(js, h->nc, &o) != NATS_OK) ||
	    js_KeyValue(&kv, *js, bucket) != NATS_OK) {
		*next_try = now + SYNC_BIND_RETRY_NS;
		log_warn("fleet: bucket %s: %s; trying again in %lld s", bucket,
			 nats_GetLastError(NULL), SYNC_BIND_RETRY_NS / 1000000000LL);
		return NULL;
	}
	return kv;
}
