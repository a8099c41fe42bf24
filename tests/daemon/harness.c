// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The daemon tests' harness (harness.h). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include "clock.h"
#include "config.h"
#include "harness.h"
#include "log.h"

#define ANSWER_DEADLINE_NS (5 * 1000000000LL)

int harness_write_conf(struct harness *h, const char *conf)
{
	FILE *f = fopen(h->conf, "we");

	if (!f)
		return -errno;
	fprintf(f, "[evtapd]\n%s", conf ? conf : "");
	return fclose(f) ? -errno : 0;
}

/* The paths are flags, so that a reload of the file keeps them as a restart would. */
static int load_config(struct harness *h)
{
	char *args[] = { "evtapd",	"-c",	    h->conf,	"--data-dir", h->data_dir,
			 "--key-dir",	h->key_dir, "--socket", h->socket,    "--session-source",
			 "static:1000", "--user",   "root" };
	int argc = (int)HARNESS_ARRAY_SIZE(args);
	char err[512];

	memcpy(h->argv, args, sizeof(args));
	if (config_load(&h->cfg, argc, h->argv, err, sizeof(err)) == OPTIONS_RUN) {
		h->cfg.keep_privileges = 1;
		return 0;
	}
	log_err("harness: %s", err);
	return -EINVAL;
}

int harness_start(struct harness *h, const char *conf)
{
	int ret;

	memset(h, 0, sizeof(*h));
	/* daemon_stop's "none" before daemon_start sets them */
	h->d.epfd = h->d.sigfd = h->d.outbox_fd = -1;
	/* tmpfs where there is one: the store and the audit log fsync at every step. */
	snprintf(h->dir, sizeof(h->dir), "%s/evtap-harness-XXXXXX",
		 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
	/* 0755: callers with other uids must reach the socket, as under /run/evtap. */
	if (!mkdtemp(h->dir) || chmod(h->dir, 0755))
		return -errno;
	snprintf(h->data_dir, sizeof(h->data_dir), "%s/data", h->dir);
	snprintf(h->key_dir, sizeof(h->key_dir), "%s/keys", h->dir);
	snprintf(h->socket, sizeof(h->socket), "%s/evtap.sock", h->dir);
	snprintf(h->conf, sizeof(h->conf), "%s/evtap.conf", h->dir);
	ret = harness_write_conf(h, conf);
	if (!ret)
		ret = load_config(h);
	if (!ret) {
		kernel_double_reset();
		ret = daemon_start(&h->d, &h->cfg);
	}
	h->started = !ret;
	if (ret)
		harness_stop(h);
	return ret;
}

int harness_restart(struct harness *h)
{
	int ret;

	if (h->started)
		daemon_shutdown(&h->d);
	daemon_stop(&h->d);
	kernel_double_reset();
	ret = daemon_start(&h->d, &h->cfg);
	h->started = !ret;
	return ret;
}

int harness_write_file(const char *dir, const char *name, const char *text, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f)
		return -1;
	fwrite(text, 1, len, f);
	return fclose(f);
}

int harness_fleet_files(char *dir, char *conf, size_t len)
{
	static const char key[32] = "0123456789abcdef0123456789abcdef";

	snprintf(dir, 64, "/tmp/evtap-harness-fleet-XXXXXX");
	if (!mkdtemp(dir) ||
	    harness_write_file(dir, "agent.auth", "user = a\npassword = p\ninbox = _I\n", 32) ||
	    harness_write_file(dir, "pseudonym.key", key, 32) ||
	    harness_write_file(dir, "custodian.pub", key, 32))
		return -1;
	snprintf(conf, len,
		 HARNESS_NO_INTERVALS
		 "[fleet]\nservers = nats://127.0.0.1:1\n"
		 "credentials = %s/agent.auth\npseudonym-key = %s/pseudonym.key\n"
		 "custodian-public-key = %s/custodian.pub\nship-group = nogroup\n"
		 "ship-user = nobody\nship-state-dir = %s\n",
		 dir, dir, dir, dir);
	return 0;
}

/* The children that streamed export and audit bodies: the daemon's loop would reap them. */
static void reap_children(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

void harness_stop(struct harness *h)
{
	char cmd[128];

	if (h->started)
		daemon_shutdown(&h->d);
	daemon_stop(&h->d);
	config_free(&h->cfg);
	reap_children();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->dir);
	if (h->dir[0] && system(cmd))
		log_warn("harness: cannot remove %s", h->dir);
}

static int connect_socket(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int send_fd(int via, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	if (fd < 0)
		return -1;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(via, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int via)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd = -1;

	if (recvmsg(via, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * SO_PEERCRED is the connecting process's identity at connect(): a child takes the uid,
 * connects and hands the socket back, so that the test itself talks and listens on it and can
 * see, at any moment the daemon does something, whether it has answered yet.
 */
int harness_connect_as(struct harness *h, uid_t uid)
{
	int sv[2], fd = -1;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
			_exit(1);
		_exit(send_fd(sv[1], connect_socket(h->socket)) ? 1 : 0);
	}
	close(sv[1]);
	if (pid > 0) {
		fd = recv_fd(sv[0]);
		waitpid(pid, NULL, 0);
	}
	close(sv[0]);
	return fd;
}

/* Reads what fd has; returns 1 once its peer has closed (or answer is full), else 0. */
static int read_available(int fd, char *answer, size_t len, size_t *got)
{
	ssize_t n;

	while ((n = read(fd, answer + *got, len - 1 - *got)) > 0)
		*got += (size_t)n;
	answer[*got] = '\0';
	return n == 0;
}

int harness_await(struct harness *h, int fd, char *answer, size_t len)
{
	struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN },
				 { .fd = control_fd(h->d.control), .events = POLLIN } };
	int64_t deadline = clock_mono_ns() + ANSWER_DEADLINE_NS;
	size_t got = 0;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (clock_mono_ns() < deadline) {
		daemon_periodic_work(&h->d);
		if (read_available(fd, answer, len, &got)) {
			reap_children();
			return (int)got;
		}
		/* Wakes on the answer or on work for the daemon; the timeout only bounds a hang. */
		poll(pfd, 2, 100);
	}
	return -1;
}

struct harness_watch harness_watch = { .fd = -1 };

static void on_consent(void *ctx, __u32 uid)
{
	struct pollfd pfd = { .fd = harness_watch.fd, .events = POLLIN };

	if (harness_watch.fd < 0)
		return;
	harness_watch.changes++;
	if (poll(&pfd, 1, 0) != 0)
		harness_watch.answered_first = 1;
}

void harness_watch_consent(void)
{
	kernel_double.on_consent = on_consent;
}

int harness_call(struct harness *h, uid_t uid, const char *line, char *answer, size_t len)
{
	int fd = harness_connect_as(h, uid), n = -1;
	size_t size = strlen(line);

	if (fd < 0)
		return -1;
	harness_watch = (struct harness_watch){ .fd = fd };
	if (write(fd, line, size) == (ssize_t)size && write(fd, "\n", 1) == 1)
		n = harness_await(h, fd, answer, len);
	harness_watch.fd = -1;
	close(fd);
	return n;
}

int harness_set_consent(struct harness *h, uint32_t uid, int opted_out, int level,
			int64_t paused_until_wall)
{
	struct consent_user u = {
		.uid = uid,
		.opted_out = opted_out,
		.level = level,
		.paused_until_wall = paused_until_wall,
	};
	int save_err, err = daemon_set_consent(&h->d, &u, &save_err);

	return err ?: save_err;
}

void harness_push(uint32_t uid, uint8_t kind, uint16_t code, int32_t value)
{
	struct evtap_event ev = {
		.ts_ns = (__u64)clock_mono_ns(),
		.uid = uid,
		.dev = 1,
		.kind = kind,
		.code = code,
		.value = value,
	};

	if (!kernel_double_push(&ev))
		log_err("harness: the double's queue is full");
}

struct read_ctx {
	struct evtap_record *out;
	int n, max;
};

static int keep_record(void *ctx, const struct evtap_record *rec, const struct evtap_device *dev)
{
	struct read_ctx *x = ctx;

	if (x->n < x->max)
		x->out[x->n] = *rec;
	x->n++;
	return 0;
}

int harness_read_user(struct harness *h, uint32_t uid, struct evtap_record *out, int max)
{
	struct read_ctx x = { .out = out, .max = max };
	struct store_read_cb cb = { .record = keep_record, .ctx = &x };

	store_flush(h->d.store);
	if (store_read_user(h->cfg.data_dir, h->cfg.key_dir, uid, INT64_MIN, INT64_MAX, &cb))
		return -1;
	return x.n;
}

void harness_audit_last(struct harness *h, char *line, size_t len)
{
	char path[128], buf[4096];
	FILE *f;

	line[0] = '\0';
	snprintf(path, sizeof(path), "%s/audit.log", h->cfg.data_dir);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(buf, sizeof(buf), f))
		if (buf[0] != '\n')
			snprintf(line, len, "%.*s", (int)strcspn(buf, "\n"), buf);
	fclose(f);
}
