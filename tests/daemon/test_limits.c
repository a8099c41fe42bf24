// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The daemon at its limits, over the kernel layer's double: a full consent table still applies
 * every restriction; exports that are never read are capped, hold nothing of the daemon's and
 * end with a forget and with the daemon; a user holding idle connections does not keep another
 * from opting out; refusals cannot grow the audit log without bound. And at its edges: SIGHUP
 * applies a consent file's removals and opt-outs, a second daemon is refused, a data dir under
 * missing parents is made.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/un.h>
#include "check.h"
#include "audit.h"
#include "clock.h"
#include "daemon.h"
#include "kernel_double.h"
#include "log.h"

#define ALICE 1000
#define CAROL 3000 /* no data of hers in the store before test_reload_consent */

static char top[] = "/tmp/evtap-limits-XXXXXX";
static char data_dir[64], key_dir[64], sock_path[64];
static struct daemon d;

static int start_daemon(int default_consent)
{
	static char *argv[] = { "evtapd", NULL }; /* what a reload parses again */
	struct daemon_config cfg;

	options_defaults(&cfg);
	cfg.argc = 1;
	cfg.argv = argv;
	cfg.data_dir = data_dir;
	cfg.key_dir = key_dir;
	cfg.socket_path = sock_path;
	cfg.session_spec = "static:1000";
	cfg.level = EVTAP_LEVEL_FULL;
	cfg.default_consent = default_consent;
	cfg.user = "root";
	cfg.keep_privileges = 1;
	kernel_double_reset();
	return daemon_start(&d, &cfg);
}

static void stop_daemon(void)
{
	daemon_shutdown(&d);
	daemon_stop(&d);
}

static int connect_socket(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock_path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends one request line and serves until the daemon has taken it; the caller reads. */
static int send_request(const char *line)
{
	uint64_t before = d.stats.requests;
	int64_t deadline = clock_mono_ns() + 2000000000LL;
	int fd = connect_socket();

	if (fd < 0 || write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		return -1;
	while (d.stats.requests == before && clock_mono_ns() < deadline)
		daemon_periodic_work(&d);
	return fd;
}

/* Sends one request line and runs the loop's work until the answer line arrives (or 5 s). */
static int ask(const char *line, char *reply, size_t len)
{
	struct pollfd pfd = { .events = POLLIN };
	int64_t deadline = clock_mono_ns() + 5000000000LL;
	ssize_t n = -1;

	pfd.fd = connect_socket();
	if (pfd.fd < 0 || write(pfd.fd, line, strlen(line)) != (ssize_t)strlen(line))
		goto out;
	while (clock_mono_ns() < deadline) {
		daemon_periodic_work(&d);
		if (poll(&pfd, 1, 1) == 1)
			break;
	}
	n = read(pfd.fd, reply, len - 1);
out:
	reply[n > 0 ? n : 0] = '\0';
	if (pfd.fd >= 0)
		close(pfd.fd);
	return (int)n;
}

static void push_event(uint32_t uid, int kind)
{
	struct evtap_event ev = {
		.ts_ns = (__u64)clock_mono_ns(),
		.uid = uid,
		.kind = (__u8)kind,
		.level = EVTAP_LEVEL_FULL,
		.code = kind == EVTAP_KIND_KEY ? 30 : 1, /* KEY_A, or the class digit */
		.value = 1,
	};

	kernel_double_push(&ev);
}

static void push_key(uint32_t uid)
{
	push_event(uid, EVTAP_KIND_KEY);
}

static int count_one(void *ctx, const struct evtap_record *rec, const struct evtap_device *dev)
{
	++*(int *)ctx;
	return 0;
}

static int records_of(uint32_t uid)
{
	int n = 0;
	struct store_read_cb cb = { .record = count_one, .ctx = &n };

	return store_read_user(data_dir, key_dir, uid, 0, INT64_MAX, &cb) ?: n;
}

/* The sockets a process holds. */
static int sockets_held(pid_t pid)
{
	char path[300], target[64];
	struct dirent *de;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	while (dir && (de = readdir(dir))) {
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid, de->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		n += len > 0 && !strncmp(target, "socket:", 7);
	}
	if (dir)
		closedir(dir);
	return n;
}

static int signals_blocked(pid_t pid)
{
	char path[64], line[128];
	int blocked = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "SigBlk:", 7))
			blocked = strtoull(line + 7, NULL, 16) != 0;
	if (f)
		fclose(f);
	return blocked;
}

/* uids first, first + 1, ... opted out (or in) in the consent file. */
static void write_consent(uint32_t first, int n, const char *opted_out)
{
	char path[96];
	FILE *f;

	snprintf(path, sizeof(path), "%s/consent.conf", data_dir);
	f = fopen(path, "w");
	for (int i = 0; i < n; i++)
		fprintf(f, "[%u]\nopted_out = %s\nlevel = full\n", first + i, opted_out);
	fclose(f);
}

/* 4100 users chose (more than the kernel's map holds); alice's opt-out is applied all the same. */
static void test_full_table_opt_out(void)
{
	char reply[1024], line[64];

	mkdir(data_dir, 0700);
	write_consent(2000, EVTAP_MAX_USERS - 2, "yes");
	CHECK_EQ(start_daemon(EVTAP_DEFAULT_RECORD), 0);
	for (uint32_t uid = 7000; uid < 7006; uid++) {
		snprintf(line, sizeof(line), "{\"op\":\"opt-out\",\"uid\":%u}\n", uid);
		CHECK(ask(line, reply, sizeof(reply)) > 0 && strstr(reply, "\"ok\":true"), "%u: %s",
		      uid, reply);
	}
	CHECK(ask("{\"op\":\"opt-out\",\"uid\":1000}\n", reply, sizeof(reply)) > 0);
	CHECK(strstr(reply, "\"ok\":true") && strstr(reply, "\"recording\":false"), "%s", reply);
	for (int i = 0; i < 10; i++)
		push_key(ALICE);
	daemon_periodic_work(&d);
	/* Back to the default is no new entry: it is applied too, however full the map. */
	CHECK(ask("{\"op\":\"opt-in\",\"uid\":7005}\n", reply, sizeof(reply)) > 0);
	CHECK(strstr(reply, "\"chose\":false"), "%s", reply);
	stop_daemon();
	CHECK_EQ(records_of(ALICE), 0);
	CHECK_EQ(d.stats.dropped[EVTAP_STAT_GATE_OPTED_OUT], 10);
}

/* Opt-in only (--default-consent skip): a full map refuses a raise, never an opt-out. */
static void test_full_table_refuses_raise(void)
{
	char reply[1024];

	write_consent(2000, EVTAP_MAX_USERS, "no");
	CHECK_EQ(start_daemon(EVTAP_DEFAULT_SKIP), 0);
	CHECK(ask("{\"op\":\"opt-in\",\"uid\":7100}\n", reply, sizeof(reply)) > 0);
	CHECK(strstr(reply, "not applied: the kernel's consent table is full"), "%s", reply);
	CHECK(consent_get(d.consent, 7100) == NULL);
	CHECK(ask("{\"op\":\"opt-out\",\"uid\":1000}\n", reply, sizeof(reply)) > 0);
	CHECK(strstr(reply, "\"ok\":true") && strstr(reply, "\"opted_out\":true"), "%s", reply);
	stop_daemon();
}

/* Back to the default, an entry goes: the table holds only real choices. */
static void test_default_entry_removed(void)
{
	char reply[1024];

	write_consent(2000, 0, "yes");
	CHECK_EQ(start_daemon(EVTAP_DEFAULT_RECORD), 0);
	CHECK(ask("{\"op\":\"opt-out\",\"uid\":1000}\n", reply, sizeof(reply)) > 0);
	CHECK(kernel_double.consent[ALICE].present);
	CHECK(ask("{\"op\":\"opt-in\",\"uid\":1000}\n", reply, sizeof(reply)) > 0);
	CHECK(strstr(reply, "\"chose\":false"), "%s", reply);
	CHECK(!kernel_double.consent[ALICE].present);
	CHECK(consent_get(d.consent, ALICE) == NULL);
	stop_daemon();
}

/* Enough of alice's records that an export fills any socket buffer. */
static void record_a_lot(void)
{
	for (int batch = 0; batch < 40; batch++) {
		for (int i = 0; i < 4000; i++)
			push_key(ALICE);
		daemon_periodic_work(&d);
	}
	daemon_flush(&d, 0);
}

static void test_exports_never_read(void)
{
	const char *req = "{\"op\":\"export\",\"uid\":1000}\n";
	int fds[CHILDREN_PER_CALLER], fd;
	pid_t pids[CHILDREN_PER_CALLER];
	char reply[1024];
	ssize_t n;

	write_consent(2000, 0, "yes");
	CHECK_EQ(start_daemon(EVTAP_DEFAULT_RECORD), 0);
	CHECK_EQ(prctl(PR_GET_DUMPABLE), 0);
	record_a_lot();
	for (int i = 0; i < CHILDREN_PER_CALLER; i++)
		fds[i] = send_request(req);
	CHECK_EQ(d.children.n, CHILDREN_PER_CALLER);
	fd = send_request(req);
	n = read(fd, reply, sizeof(reply) - 1);
	reply[n > 0 ? n : 0] = '\0';
	CHECK(strstr(reply, "too many exports in progress"), "%s", reply);
	close(fd);
	usleep(300000); /* for the children to set themselves up */
	for (int i = 0; i < d.children.n; i++) {
		pids[i] = d.children.list[i].pid;
		CHECK_EQ(sockets_held(pids[i]), 1); /* its own client's */
		CHECK_EQ(signals_blocked(pids[i]), 0);
	}
	/* A forget answers once no export of alice's data is left. */
	CHECK(ask("{\"op\":\"forget\",\"uid\":1000}\n", reply, sizeof(reply)) > 0);
	CHECK(strstr(reply, "\"ok\":true"), "%s", reply);
	CHECK_EQ(d.children.n, 0);
	for (int i = 0; i < CHILDREN_PER_CALLER; i++) {
		CHECK(kill(pids[i], 0) && errno == ESRCH, "child %d still there", pids[i]);
		close(fds[i]);
	}
	/* Stopping ends every child. */
	record_a_lot();
	fd = send_request("{\"op\":\"export\",\"all\":true}\n");
	CHECK_EQ(d.children.n, 1);
	pids[0] = d.children.list[0].pid;
	stop_daemon();
	CHECK(kill(pids[0], 0) && errno == ESRCH, "child %d still there", pids[0]);
	close(fd);
}

/* As uid: connects up to n times (retrying a full backlog), says so on done, then waits. */
static void hold_connections(uid_t uid, int n, int done)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int64_t deadline = clock_mono_ns() + 3000000000LL;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock_path);
	if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		_exit(1);
	for (int i = 0; i < n && clock_mono_ns() < deadline; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

		while (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) && errno == EAGAIN)
			usleep(1000);
	}
	if (write(done, "x", 1) != 1)
		_exit(1);
	pause();
	_exit(0);
}

/* As uid: opts out; exits 0 once the answer says it is done. */
static void opt_out_as(uid_t uid)
{
	const char *req = "{\"op\":\"opt-out\"}\n";
	struct pollfd pfd = { .events = POLLIN };
	char reply[1024] = "";
	ssize_t n;

	if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		_exit(1);
	pfd.fd = connect_socket();
	if (pfd.fd < 0 || write(pfd.fd, req, strlen(req)) != (ssize_t)strlen(req))
		_exit(2);
	if (poll(&pfd, 1, 1000) != 1)
		_exit(3);
	n = read(pfd.fd, reply, sizeof(reply) - 1);
	_exit(n > 0 && strstr(reply, "\"opted_out\":true") ? 0 : 4);
}

/* Serves until pid exits (or 2 s); returns its exit status, or -1. */
static int serve_until_exit(pid_t pid)
{
	int64_t deadline = clock_mono_ns() + 2000000000LL;
	int status;

	while (clock_mono_ns() < deadline) {
		daemon_periodic_work(&d);
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}
	return -1;
}

static void test_idle_connections(void)
{
	int done[2];
	pid_t bob, alice;
	int64_t start;
	char c;

	write_consent(2000, 0, "yes");
	CHECK_EQ(start_daemon(EVTAP_DEFAULT_RECORD), 0);
	CHECK_EQ(pipe2(done, O_NONBLOCK), 0);
	bob = fork();
	if (bob == 0)
		hold_connections(1001, 200, done[1]);
	while (read(done[0], &c, 1) != 1)
		daemon_periodic_work(&d);
	start = clock_mono_ns();
	alice = fork();
	if (alice == 0)
		opt_out_as(ALICE);
	CHECK_EQ(serve_until_exit(alice), 0);
	CHECK(clock_mono_ns() - start < 1000000000LL, "took %lld ms",
	      (long long)(clock_mono_ns() - start) / 1000000);
	CHECK(control_refused(d.control) > 0);
	kill(bob, SIGKILL);
	waitpid(bob, NULL, 0);
	close(done[0]);
	close(done[1]);
	stop_daemon();
}

static int lines_of(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0, ch;

	while (f && (ch = getc(f)) != EOF)
		n += ch == '\n';
	if (f)
		fclose(f);
	return n;
}

/*
 * A full audit log is rotated; a flood of malformed requests is logged in a burst of 64, then at
 * 10 a second, and what was not logged is counted in a line of its own.
 */
static void test_audit_bounded(void)
{
	char path[96], rotated[100], reply[256];
	int64_t start, seconds;
	struct stat st;
	int fd;

	write_consent(2000, 0, "yes");
	snprintf(path, sizeof(path), "%s/audit.log", data_dir);
	snprintf(rotated, sizeof(rotated), "%s.1", path);
	unlink(rotated);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && !ftruncate(fd, AUDIT_MAX_BYTES));
	close(fd);
	CHECK_EQ(start_daemon(EVTAP_DEFAULT_RECORD), 0);
	start = clock_mono_ns();
	for (int i = 0; i < 200; i++)
		CHECK(ask("garbage\n", reply, sizeof(reply)) > 0 && strstr(reply, "\"ok\":false"));
	seconds = (clock_mono_ns() - start) / 1000000000 + 1;
	stop_daemon();
	CHECK(stat(rotated, &st) == 0 && st.st_size == AUDIT_MAX_BYTES);
	CHECK(stat(path, &st) == 0 && st.st_size < 100000);
	CHECK(lines_of(path) <= 64 + 10 * seconds + 2, "%d lines in %lld s", lines_of(path),
	      (long long)seconds);
}

/* SIGHUP: a user gone from the file is cleared from the kernel; a new opt-out drops the buffer. */
static void test_reload_consent(void)
{
	char path[96];
	FILE *f;

	write_consent(2000, 1, "yes");
	CHECK_EQ(start_daemon(EVTAP_DEFAULT_RECORD), 0);
	CHECK(kernel_double.consent[2000].present);
	for (int i = 0; i < 10; i++)
		push_event(CAROL, EVTAP_KIND_KEYCLASS); /* allowed at the reload's default level */
	daemon_periodic_work(&d);
	snprintf(path, sizeof(path), "%s/consent.conf", data_dir);
	f = fopen(path, "w");
	fprintf(f, "[%u]\nopted_out = yes\nlevel = full\n", CAROL);
	fclose(f);
	daemon_reload(&d);
	CHECK(!kernel_double.consent[2000].present);
	CHECK(kernel_double.consent[CAROL].present && kernel_double.consent[CAROL].c.opted_out);
	CHECK_EQ(store_stats(d.store)->unpersisted[STORE_LOSS_DISCARDED], 10);
	stop_daemon();
	CHECK_EQ(records_of(CAROL), 0);
}

/* A second daemon on the same socket is refused, and the first one still answers. */
static void test_second_instance(void)
{
	struct daemon second;
	struct daemon_config cfg = d.config;
	char reply[1024];

	write_consent(2000, 0, "yes");
	CHECK_EQ(start_daemon(EVTAP_DEFAULT_RECORD), 0);
	cfg = d.config;
	CHECK_EQ(daemon_start(&second, &cfg), DAEMON_ERUNNING);
	daemon_stop(&second);
	CHECK(ask("{\"op\":\"status\"}\n", reply, sizeof(reply)) > 0);
	CHECK(strstr(reply, "\"ok\":true"), "%s", reply);
	stop_daemon();
}

/* A data dir and a key dir under missing parents are made, 0700; the socket is 0666. */
static void test_missing_parents(void)
{
	char saved_data[64], saved_keys[64], parent[80];
	struct stat st;
	mode_t mask = umask(077);

	memcpy(saved_data, data_dir, sizeof(data_dir));
	memcpy(saved_keys, key_dir, sizeof(key_dir));
	snprintf(parent, sizeof(parent), "%s/new", top);
	snprintf(data_dir, sizeof(data_dir), "%s/new/state/data", top);
	snprintf(key_dir, sizeof(key_dir), "%s/new/keys/k", top);
	if (start_daemon(EVTAP_DEFAULT_RECORD) == 0) {
		CHECK(stat(parent, &st) == 0 && (st.st_mode & 07777) == 0700, "%o", st.st_mode);
		CHECK(stat(data_dir, &st) == 0 && S_ISDIR(st.st_mode));
		CHECK(stat(key_dir, &st) == 0 && S_ISDIR(st.st_mode));
		CHECK(stat(sock_path, &st) == 0 && (st.st_mode & 0777) == 0666, "%o", st.st_mode);
		daemon_shutdown(&d);
	} else {
		CHECK(0, "the daemon did not start");
	}
	daemon_stop(&d);
	umask(mask);
	memcpy(data_dir, saved_data, sizeof(data_dir));
	memcpy(key_dir, saved_keys, sizeof(key_dir));
}

/* Out of descriptors, accepting pauses rather than spinning, is counted, and resumes. */
static void test_out_of_fds(void)
{
	const char *req = "{\"op\":\"status\"}\n";
	struct pollfd pfd = { .events = POLLIN };
	int64_t deadline = clock_mono_ns() + 2000000000LL;
	struct rlimit saved, low;
	char reply[1024] = "";
	int fd, lowest;

	write_consent(2000, 0, "yes");
	CHECK_EQ(start_daemon(EVTAP_DEFAULT_RECORD), 0);
	fd = connect_socket();
	CHECK(fd >= 0 && write(fd, req, strlen(req)) == (ssize_t)strlen(req));
	lowest = dup(0);
	close(lowest);
	CHECK_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
	low = saved;
	low.rlim_cur = (rlim_t)lowest; /* no descriptor left to accept with */
	CHECK_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
	daemon_periodic_work(&d);
	CHECK(control_no_fd(d.control) > 0);
	pfd.fd = control_fd(d.control);
	CHECK_EQ(poll(&pfd, 1, 0), 0); /* nothing to wake the loop: no spinning */
	CHECK_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
	pfd.fd = fd;
	while (poll(&pfd, 1, 1) == 0 && clock_mono_ns() < deadline)
		daemon_periodic_work(&d);
	CHECK(read(fd, reply, sizeof(reply) - 1) > 0 && strstr(reply, "\"ok\":true"), "%s", reply);
	close(fd);
	stop_daemon();
}

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	return remove(path);
}

int main(void)
{
	log_init("test_limits", LOG_WARNING);
	if (!mkdtemp(top) || chmod(top, 0755)) /* other users reach the socket */
		return 1;
	snprintf(data_dir, sizeof(data_dir), "%s/data", top);
	snprintf(key_dir, sizeof(key_dir), "%s/keys", top);
	snprintf(sock_path, sizeof(sock_path), "%s/sock", top);
	RUN(test_full_table_opt_out);
	RUN(test_full_table_refuses_raise);
	RUN(test_default_entry_removed);
	RUN(test_exports_never_read);
	RUN(test_idle_connections);
	RUN(test_audit_bounded);
	RUN(test_reload_consent);
	RUN(test_second_instance);
	RUN(test_missing_parents);
	RUN(test_out_of_fds);
	nftw(top, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	CHECK_EXIT();
}
