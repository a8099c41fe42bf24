// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-bench-fleet FLEET_DIR SERVERS WORK AGENTS SECONDS SPEED: AGENTS simulated agents in
 * one process, each a real evtap-shipd (its own setup_ship, connection, users, flights, and
 * its loop of loop_turn on a thread of its own: user/shipd/) shipping a real store
 * (user/lib/store.c: codec, sealed blocks, segments, a key per person sealed to the custodian) that
 * a writer thread fills with the input mix of mix.h at SPEED times its rate, appending every 50 ms
 * and flushing each store once a second, as evtapd does (flush-interval 1 s). Agent i is host
 * "bench-host-i" with the credentials `evtap-fleet init --host bench-host-i` made in FLEET_DIR; its
 * files are under WORK/i. The window of SECONDS opens once every agent published its person's key
 * (it prints "window open"); then the writer stops, the shipper drains what is left, and it prints
 * one line of key=value results (docs/BENCHMARKS.md, "Fleet") and checks the stream (check.h). Exit
 * 0 if nothing was lost.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "check.h"
#include "clock.h"
#include "log.h"
#include "mix.h"
#include "setup.h"
#include "store.h"
#include "wire.h"

#define UID	      65534 /* nobody: an account, as the shipper needs */
#define TICK_NS	      50000000LL
#define FLUSH_NS      1000000000LL
#define WIRE_EVERY_NS 200000000LL
#define OPEN_WAIT_NS  300000000000LL /* for every key published */
#define DRAIN_WAIT_NS 180000000000LL /* for every backlog shipped after the window */
#define SETUP_THREADS 4

struct agent {
	struct shipd sd; /* first: on_settled finds the agent from it */
	struct loop_times lt;
	pthread_t loop;
	int64_t *lat; /* ack latencies of the window's blocks, ns */
	size_t n_lat, cap_lat;
	uint64_t acked, failed;
	struct store *st;
	struct mix mix;
	int64_t next_flush; /* monotonic */
	char dir[256], conf[300], data[300], keys[300], state[300], user_dir[320];
};

static struct agent *agents;
static int n_agents, speed;
static atomic_bool window_open, writer_stop, loops_stop, setup_failed;
struct setup_job {
	const char *fleet, *servers, *work;
	int first;
};

static atomic_uint_fast64_t events, records, store_errors, events_all;
static double writer_cpu; /* the writer's CPU seconds within the window */

static double cpu_s(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* On the agent's own loop thread. */
static void on_settled(struct shipd *sd, const struct flight *f)
{
	struct agent *a = (struct agent *)sd;

	if (!atomic_load(&window_open))
		return;
	if (f->state != FLIGHT_ACKED) {
		a->failed++;
		return;
	}
	a->acked++;
	if (a->n_lat == a->cap_lat) {
		a->cap_lat = a->cap_lat ? 2 * a->cap_lat : 256;
		a->lat = realloc(a->lat, a->cap_lat * sizeof(*a->lat));
		if (!a->lat) {
			perror("latency samples");
			exit(1);
		}
	}
	a->lat[a->n_lat++] = f->settled_ns - f->sent_ns;
}

/* The [fleet] section evtap-fleet init's agent.conf gives, with this agent's own files. */
static int write_conf(struct agent *a, const char *fleet, const char *servers, int i)
{
	unsigned char pkey[FLEET_KEY_LEN];
	char host[FLEET_PSEUDONYM_LEN + 1], id[32], err[256];
	FILE *f;

	snprintf(id, sizeof(id), "bench-host-%d", i);
	snprintf(err, sizeof(err), "%s/pseudonym.key", fleet);
	if (fleet_read_key(err, pkey, err, sizeof(err)) || fleet_pseudonym(host, pkey, id)) {
		fprintf(stderr, "evtap-bench-fleet: %s\n", err);
		return -1;
	}
	f = fopen(a->conf, "w");
	if (!f)
		return -1;
	fprintf(f,
		"[fleet]\nservers = %s\ncredentials = %s/auth/agent-%s.auth\n"
		"pseudonym-key = %s/pseudonym.key\ncustodian-public-key = %s/custodian.pub\n"
		"host-id = %s\nship-state-dir = %s\n",
		servers, fleet, host, fleet, fleet, id, a->state);
	return fclose(f);
}

static int agent_start(struct agent *a, const char *fleet, const char *servers, const char *work,
		       int i)
{
	struct store_share sh = { .gid = getgid() };
	struct store_opts so = { .share = &sh };
	struct setup_opts o = { 0 };
	char err[1024];
	int r;

	snprintf(a->dir, sizeof(a->dir), "%s/%d", work, i);
	snprintf(a->conf, sizeof(a->conf), "%s/evtap.conf", a->dir);
	snprintf(a->data, sizeof(a->data), "%s/data", a->dir);
	snprintf(a->keys, sizeof(a->keys), "%s/keys", a->dir);
	snprintf(a->state, sizeof(a->state), "%s/state", a->dir);
	snprintf(a->user_dir, sizeof(a->user_dir), "%s/%u", a->data, UID);
	snprintf(err, sizeof(err), "%s/custodian.pub", fleet);
	if ((mkdir(a->dir, 0755) && errno != EEXIST) || write_conf(a, fleet, servers, i)) {
		fprintf(stderr, "evtap-bench-fleet: %s: %s\n", a->dir, strerror(errno));
		return -1;
	}
	if (fleet_read_key(err, sh.custodian_pk, err, sizeof(err))) {
		fprintf(stderr, "evtap-bench-fleet: %s\n", err);
		return -1;
	}
	r = store_open(&a->st, a->data, a->keys, &so);
	if (r) {
		fprintf(stderr, "evtap-bench-fleet: %s: %s\n", a->data, strerror(-r));
		return -1;
	}
	o.config = a->conf;
	o.data_dir = a->data;
	o.machine_id = "/etc/machine-id"; /* unused: host-id is set */
	if (setup_ship(&a->sd, &o, err, sizeof(err))) {
		fprintf(stderr, "evtap-bench-fleet: agent %d: %s\n", i, err);
		return -1;
	}
	a->sd.on_settled = on_settled;
	return 0;
}

static void write_agent(struct agent *a, int64_t wall, int64_t mono)
{
	struct evtap_record rec;
	unsigned int ev;

	while (mix_next(&a->mix, wall, &rec, &ev)) {
		if (store_append(a->st, &rec, mix_device(rec.dev)))
			atomic_fetch_add(&store_errors, 1);
		atomic_fetch_add(&events_all, ev);
		if (atomic_load(&window_open)) {
			atomic_fetch_add(&events, ev);
			atomic_fetch_add(&records, 1);
		}
	}
	if (mono >= a->next_flush) {
		if (store_flush(a->st))
			atomic_fetch_add(&store_errors, 1);
		a->next_flush += FLUSH_NS;
	}
}

/* Each agent at a random phase of the mix from now, its flushes spread over the second. */
static void start_mixes(void)
{
	int64_t start = clock_wall_ns(), mono = clock_mono_ns();

	for (int i = 0; i < n_agents; i++) {
		struct agent *a = &agents[i];

		mix_init(&a->mix, UID, (unsigned int)i + 1, speed, start);
		a->mix.start_ns -= (int64_t)(rand() % 10000) * (MIX_CYCLE_NS / 10000 / speed);
		a->next_flush = mono + FLUSH_NS * i / n_agents;
	}
}

/*
 * evtapd's part. Before the window, one record per store, so that each person has a key for
 * the agents to publish (the warm-up); from the window on, what the mix made since the last
 * tick, appended every tick, each store flushed once a second.
 */
static void *writer(void *arg)
{
	struct timespec tick = { 0, TICK_NS };
	double cpu0;

	start_mixes();
	for (int i = 0; i < n_agents; i++) {
		struct evtap_record rec;
		unsigned int ev;

		while (!mix_next(&agents[i].mix, INT64_MAX, &rec, &ev))
			;
		if (store_append(agents[i].st, &rec, mix_device(rec.dev)) ||
		    store_flush(agents[i].st))
			atomic_fetch_add(&store_errors, 1);
		atomic_fetch_add(&events_all, ev);
	}
	while (!atomic_load(&window_open) && !atomic_load(&writer_stop))
		nanosleep(&tick, NULL);
	cpu0 = cpu_s(RUSAGE_THREAD);
	start_mixes();
	while (!atomic_load(&writer_stop)) {
		int64_t wall = clock_wall_ns(), mono = clock_mono_ns();

		for (int i = 0; i < n_agents; i++)
			write_agent(&agents[i], wall, mono);
		nanosleep(&tick, NULL);
	}
	for (int i = 0; i < n_agents; i++)
		if (store_flush(agents[i].st))
			atomic_fetch_add(&store_errors, 1);
	writer_cpu = cpu_s(RUSAGE_THREAD) - cpu0;
	return NULL;
}

/*
 * Each agent's loop on a thread of its own, as evtap-shipd's main loop runs in its own process:
 * a connection that blocks (libnats holds its lock while it reconnects) holds up that agent
 * alone.
 */
static void *agent_loop(void *arg)
{
	struct timespec idle = { 0, LOOP_IDLE_NS };
	struct agent *a = arg;

	while (!atomic_load(&loops_stop))
		if (!loop_turn(&a->sd, &a->lt, clock_mono_ns()))
			nanosleep(&idle, NULL);
	return NULL;
}

static uint64_t sum_keys(void)
{
	uint64_t n = 0;

	for (int i = 0; i < n_agents; i++)
		n += agents[i].sd.c.keys_published;
	return n;
}

static bool all_shipped(void)
{
	for (int i = 0; i < n_agents; i++)
		if (agents[i].sd.in_flight || agents[i].sd.c.backlog_bytes)
			return false;
	return true;
}

/* Until done() or the deadline (the agents' loops run on), sampling the sockets. */
static bool run_until(bool (*done)(void), int64_t deadline)
{
	struct timespec pause = { 0, WIRE_EVERY_NS };

	while (clock_mono_ns() < deadline) {
		if (done && done())
			return true;
		wire_sample();
		nanosleep(&pause, NULL);
	}
	return !done;
}

static bool keys_done(void)
{
	return sum_keys() == (uint64_t)n_agents;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void proc_status(const char *what)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Threads:", 8) || !strncmp(line, "VmRSS:", 6) ||
		    !strncmp(line, "VmHWM:", 6) || !strncmp(line, "VmSize:", 7))
			printf("%s %s", what, line);
	if (f)
		fclose(f);
}

static void counters(uint64_t *dups, uint64_t *errs, uint64_t *reconnects, uint64_t *bytes)
{
	*dups = *errs = *reconnects = *bytes = 0;
	for (int i = 0; i < n_agents; i++) {
		struct shipd *sd = &agents[i].sd;

		*dups += sd->c.duplicates;
		for (int e = 0; e < SHIP_ERR_MAX; e++)
			*errs += sd->c.errors[e];
		*reconnects += publish_reconnects(sd);
		*bytes += sd->c.shipped_bytes;
	}
}

/* Agents k, k + SETUP_THREADS, ...: connects overlap, as a fleet's do, a few at a time. */
static void *setup_some(void *arg)
{
	struct setup_job *job = arg;

	for (int i = job->first; i < n_agents && !atomic_load(&setup_failed); i += SETUP_THREADS)
		if (agent_start(&agents[i], job->fleet, job->servers, job->work, i))
			atomic_store(&setup_failed, true);
	return NULL;
}

static int setup_all(const char *fleet, const char *servers, const char *work)
{
	struct setup_job jobs[SETUP_THREADS];
	pthread_t t[SETUP_THREADS];

	for (int k = 0; k < SETUP_THREADS; k++) {
		jobs[k] = (struct setup_job){ fleet, servers, work, k };
		if (pthread_create(&t[k], NULL, setup_some, &jobs[k]))
			return -1;
	}
	for (int k = 0; k < SETUP_THREADS; k++)
		pthread_join(t[k], NULL);
	return atomic_load(&setup_failed) ? -1 : 0;
}

static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	const char *fleet, *servers, *work;
	struct wire_totals w0, w1;
	struct check_result cr;
	struct check_agent *ca;
	uint64_t dups0, errs0, rec0, bytes0, dups, errs, rec, bytes, ev, acked = 0, failed = 0;
	int64_t *lat;
	size_t n_lat = 0;
	int64_t t_open, t_end, t_drained;
	double cpu0, cpu;
	int seconds, bad = 0;
	pthread_t wt;
	char admin[4096];

	if (argc != 7) {
		fprintf(stderr, "usage: evtap-bench-fleet FLEET_DIR SERVERS WORK AGENTS SECONDS "
				"SPEED\n");
		return 2;
	}
	fleet = argv[1];
	servers = argv[2];
	work = argv[3];
	n_agents = atoi(argv[4]);
	seconds = atoi(argv[5]);
	speed = atoi(argv[6]);
	if (n_agents <= 0 || seconds <= 0 || speed <= 0 || sodium_init() < 0)
		return 2;
	log_init("evtap-bench-fleet", LOG_WARNING);
	raise_fd_limit();
	signal(SIGPIPE, SIG_IGN);
	srand(1);
	agents = calloc((size_t)n_agents, sizeof(*agents));
	if (!agents || setup_all(fleet, servers, work))
		return 1;
	proc_status("connected");
	for (int i = 0; i < n_agents; i++)
		if (pthread_create(&agents[i].loop, NULL, agent_loop, &agents[i]))
			return 1;
	if (pthread_create(&wt, NULL, writer, NULL))
		return 1;
	if (!run_until(keys_done, clock_mono_ns() + OPEN_WAIT_NS)) {
		fprintf(stderr, "evtap-bench-fleet: %" PRIu64 " of %d keys published\n", sum_keys(),
			n_agents);
		return 1;
	}
	counters(&dups0, &errs0, &rec0, &bytes0);
	w0 = wire_sample();
	cpu0 = cpu_s(RUSAGE_SELF);
	t_open = clock_mono_ns();
	atomic_store(&window_open, true);
	printf("window open\n");
	fflush(stdout);
	run_until(NULL, t_open + (int64_t)seconds * 1000000000LL);
	atomic_store(&writer_stop, true);
	pthread_join(wt, NULL);
	t_end = clock_mono_ns();
	printf("window_s=%.2f\n", (t_end - t_open) / 1e9);
	fflush(stdout);
	/* What the writer flushed last is found by the next scans. */
	run_until(NULL, t_end + 500000000LL);
	if (!run_until(all_shipped, t_end + DRAIN_WAIT_NS))
		fprintf(stderr, "evtap-bench-fleet: backlog left after the drain wait\n");
	t_drained = clock_mono_ns();
	w1 = wire_sample();
	cpu = cpu_s(RUSAGE_SELF) - cpu0 - writer_cpu;
	proc_status("end");
	atomic_store(&loops_stop, true);
	for (int i = 0; i < n_agents; i++)
		pthread_join(agents[i].loop, NULL);
	counters(&dups, &errs, &rec, &bytes);
	ev = atomic_load(&events);
	for (int i = 0; i < n_agents; i++) {
		acked += agents[i].acked;
		failed += agents[i].failed;
		n_lat += agents[i].n_lat;
	}
	lat = malloc((n_lat + 1) * sizeof(*lat));
	for (size_t i = 0, n = 0; lat && i < (size_t)n_agents; n += agents[i++].n_lat)
		memcpy(lat + n, agents[i].lat, agents[i].n_lat * sizeof(*lat));
	if (!lat)
		return 1;
	qsort(lat, n_lat, sizeof(*lat), cmp_i64);
	printf("agents=%d speed=%d seconds=%d events=%" PRIu64 " events_all=%" PRIu64
	       " records=%" PRIu64 " store_errors=%" PRIu64 " drain_s=%.1f\n",
	       n_agents, speed, seconds, ev, atomic_load(&events_all), atomic_load(&records),
	       atomic_load(&store_errors), (t_drained - t_end) / 1e9);
	printf("wire_sent=%" PRIu64 " wire_received=%" PRIu64 " sockets=%u"
	       " wire_bytes_per_event=%.2f wire_received_per_event=%.2f"
	       " block_bytes_acked=%" PRIu64 " block_bytes_per_event=%.2f\n",
	       w1.sent - w0.sent, w1.received - w0.received, w1.sockets,
	       (double)(w1.sent - w0.sent) / (double)ev,
	       (double)(w1.received - w0.received) / (double)ev, bytes - bytes0,
	       (double)(bytes - bytes0) / (double)ev);
	printf("acked=%" PRIu64 " failed=%" PRIu64 " errors=%" PRIu64 " duplicates=%" PRIu64
	       " reconnects=%" PRIu64,
	       acked, failed, errs - errs0, dups - dups0, rec - rec0);
	if (n_lat)
		printf(" ack_ms_p50=%.2f ack_ms_p99=%.2f ack_ms_max=%.2f", lat[n_lat / 2] / 1e6,
		       lat[n_lat * 99 / 100] / 1e6, lat[n_lat - 1] / 1e6);
	printf("\ncpu_s=%.2f writer_cpu_s=%.2f cpu_us_per_event=%.3f cpu_us_per_block=%.1f\n", cpu,
	       writer_cpu, cpu * 1e6 / (double)ev, acked ? cpu * 1e6 / (double)acked : 0.0);
	fflush(stdout);
	for (int i = 0; i < n_agents; i++)
		loop_finish(&agents[i].sd);
	ca = calloc((size_t)n_agents, sizeof(*ca));
	for (int i = 0; ca && i < n_agents; i++)
		ca[i] = (struct check_agent){ agents[i].sd.host, agents[i].user_dir, UID };
	snprintf(admin, sizeof(admin), "%s/auth/admin.auth", fleet);
	if (!ca || check_stream(servers, admin, ca, (size_t)n_agents, &cr)) {
		bad = 1;
	} else {
		printf("blocks=%" PRIu64 " block_bytes=%" PRIu64 " stream_msgs=%" PRIu64
		       " found=%" PRIu64 " missing=%" PRIu64 " twice=%" PRIu64 " changed=%" PRIu64
		       " unknown=%" PRIu64 "\n",
		       cr.blocks, cr.block_bytes, cr.stream_msgs, cr.found, cr.missing, cr.twice,
		       cr.changed, cr.unknown);
		bad = cr.missing || cr.twice || cr.changed || cr.stream_msgs != cr.blocks;
	}
	/*
	 * The stores are closed (flushed); the agents' connections are left to exit: destroying
	 * a thousand libnats connections joins their thousands of threads one by one, minutes.
	 */
	for (int i = 0; i < n_agents; i++)
		store_close(agents[i].st);
	return bad;
}
