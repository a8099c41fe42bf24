// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-bench-gen: the benchmark's event generator. It creates a uinput keyboard ("evtap bench
 * keyboard") and mouse ("evtap bench mouse") and injects events, many per write(), since one
 * write() per event costs more than everything it measures.
 *
 *   evtap-bench-gen [-w FILE] [-t TAIL_MS] [-l] rate RATE SECONDS
 *	RATE events per second for SECONDS (RATE 0: as fast as it can), in a 1 ms tick; the
 *	keyboard types letters: KEY 1, SYN, KEY 0, SYN, so every other event is a record.
 *   evtap-bench-gen [-w FILE] mix SECONDS
 *	A realistic mix at real pace, in 10 s cycles: 6 s typing at 80 words per minute (a
 *	keystroke every 150 ms, held 70 to 110 ms, with MSC_SCAN as real keyboards send it), 2 s
 *	of mouse motion at 125 Hz, a click and three wheel detents.
 *
 * -w FILE: once the devices exist, write the keyboard's /dev/input/eventN to FILE and wait
 * until FILE is removed, so that the caller can start a reader on it first.
 * It prints one line of key=value results: events injected, injection time, rate achieved,
 * and the CPU time of the whole machine (/proc/stat: user, nice, system, irq, softirq) from
 * the first write until TAIL_MS (default 1500) after the last, so that a consumer's backlog
 * is counted. -l also samples `evtap stats` every 50 ms for store.records_persisted and prints
 * the latency from injection to persisted, p50 and p99 (see docs/BENCHMARKS.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/uinput.h>
#include <sys/ioctl.h>

#define BATCH 1024

static const int letters[] = { 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 30, 31, 32,
			       33, 34, 35, 36, 37, 38, 44, 45, 46, 47, 48, 49, 50 };
#define N_LETTERS (int)(sizeof(letters) / sizeof(letters[0]))

static int kbd = -1, mouse = -1;
static struct input_event buf[BATCH];
static int nbuf;
static uint64_t injected;

static void die(const char *what)
{
	fprintf(stderr, "evtap-bench-gen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_until(int64_t t)
{
	struct timespec ts = { .tv_sec = t / 1000000000LL, .tv_nsec = t % 1000000000LL };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Busy CPU time of the whole machine, in ns. */
static uint64_t cpu_busy_ns(void)
{
	unsigned long long user, nice, sys, idle, iowait, irq, softirq;
	FILE *f = fopen("/proc/stat", "r");

	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &sys, &idle,
			 &iowait, &irq, &softirq) != 7)
		die("/proc/stat");
	fclose(f);
	return (user + nice + sys + irq + softirq) * (1000000000ULL / sysconf(_SC_CLK_TCK));
}

static void add(int type, int code, int value)
{
	buf[nbuf++] = (struct input_event){ .type = type, .code = code, .value = value };
}

static void flush(int fd)
{
	if (nbuf && write(fd, buf, nbuf * sizeof(buf[0])) != (ssize_t)(nbuf * sizeof(buf[0])))
		die("write");
	injected += nbuf;
	nbuf = 0;
}

static int create(const char *name, int mouse_dev)
{
	struct uinput_setup us = { .id = { .bustype = BUS_VIRTUAL, .vendor = 0xeb, .product = 1 } };
	int fd = open("/dev/uinput", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		die("/dev/uinput");
	snprintf(us.name, sizeof(us.name), "%s", name);
	ioctl(fd, UI_SET_EVBIT, EV_KEY);
	if (mouse_dev) {
		us.id.product = 2;
		ioctl(fd, UI_SET_EVBIT, EV_REL);
		ioctl(fd, UI_SET_KEYBIT, BTN_LEFT);
		ioctl(fd, UI_SET_KEYBIT, BTN_RIGHT);
		ioctl(fd, UI_SET_RELBIT, REL_X);
		ioctl(fd, UI_SET_RELBIT, REL_Y);
		ioctl(fd, UI_SET_RELBIT, REL_WHEEL);
		ioctl(fd, UI_SET_RELBIT, REL_WHEEL_HI_RES);
	} else {
		ioctl(fd, UI_SET_EVBIT, EV_MSC);
		ioctl(fd, UI_SET_MSCBIT, MSC_SCAN);
		for (int i = 0; i < N_LETTERS; i++)
			ioctl(fd, UI_SET_KEYBIT, letters[i]);
		ioctl(fd, UI_SET_KEYBIT, KEY_SPACE);
	}
	if (ioctl(fd, UI_DEV_SETUP, &us) || ioctl(fd, UI_DEV_CREATE))
		die("uinput setup");
	return fd;
}

/* The keyboard's /dev/input/eventN, once its evdev node exists. */
static void event_node(int fd, char *out, size_t len)
{
	char sys[64], path[128];

	if (ioctl(fd, UI_GET_SYSNAME(sizeof(sys)), sys) < 0)
		die("UI_GET_SYSNAME");
	for (int tries = 0; tries < 500; tries++) {
		for (int n = 0; n < 1024; n++) {
			snprintf(path, sizeof(path), "/sys/class/input/%s/event%d", sys, n);
			if (!access(path, F_OK)) {
				snprintf(out, len, "/dev/input/event%d", n);
				if (!access(out, R_OK))
					return;
			}
		}
		usleep(10000);
	}
	fprintf(stderr, "evtap-bench-gen: no event node for %s\n", sys);
	exit(1);
}

/* Latency sampling: (time, store.records_persisted) pairs, taken by a thread. */
struct sample {
	int64_t t;
	int64_t persisted;
};
static struct sample *samples;
static size_t n_samples, cap_samples;
static volatile int sampling;

static int64_t persisted_now(void)
{
	FILE *p = popen("evtap stats", "r");
	char line[256];
	long long v = -1;

	if (!p)
		die("popen");
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, "store.records_persisted %lld", &v) == 1)
			break;
	while (fgets(line, sizeof(line), p))
		;
	pclose(p);
	return v;
}

static void take_sample(void)
{
	int64_t t0 = now_ns(), v = persisted_now(), t1 = now_ns();

	if (n_samples == cap_samples) {
		cap_samples = cap_samples ? 2 * cap_samples : 1024;
		samples = realloc(samples, cap_samples * sizeof(*samples));
		if (!samples)
			die("realloc");
	}
	/* The counter was read somewhere in [t0, t1]: take the middle. */
	samples[n_samples++] = (struct sample){ .t = (t0 + t1) / 2, .persisted = v };
}

static void *sampler(void *arg)
{
	int64_t next = now_ns();

	while (sampling) {
		take_sample();
		next += 50000000;
		if (next < now_ns())
			next = now_ns();
		sleep_until(next);
	}
	return NULL;
}

/* Injection log of rate mode: the time each batch was written, and events so far. */
static struct sample *sent_log;
static size_t n_sent, cap_sent;

static void log_sent(int64_t t)
{
	if (n_sent == cap_sent) {
		cap_sent = cap_sent ? 2 * cap_sent : 4096;
		sent_log = realloc(sent_log, cap_sent * sizeof(*sent_log));
		if (!sent_log)
			die("realloc");
	}
	sent_log[n_sent++] = (struct sample){ .t = t, .persisted = (int64_t)injected };
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Record r is event 2r (KEY events; the SYNs that follow make no record). It was injected when
 * the batch holding it was written, and persisted when the counter first reached r + 1.
 */
static void print_latency(void)
{
	uint64_t n_rec = injected / 2;
	int64_t *lat = malloc((n_rec + 1) * sizeof(*lat)), base = samples[0].persisted;
	size_t si = 0, li = 0, n = 0;

	if (!lat)
		die("malloc");
	for (uint64_t r = 0; r < n_rec; r++) {
		while (li < n_sent && sent_log[li].persisted <= (int64_t)(2 * r))
			li++;
		while (si < n_samples && samples[si].persisted - base < (int64_t)r + 1)
			si++;
		if (li == n_sent || si == n_samples)
			break;
		lat[n++] = samples[si].t - sent_log[li].t;
	}
	qsort(lat, n, sizeof(*lat), cmp_i64);
	printf(" latency_records=%zu latency_unmatched=%llu", n, (unsigned long long)(n_rec - n));
	if (n)
		printf(" latency_ms_p50=%.1f latency_ms_p99=%.1f", lat[n / 2] / 1e6,
		       lat[n * 99 / 100] / 1e6);
	printf(" samples=%zu sample_ms=%.1f", n_samples,
	       n_samples > 1 ? (samples[n_samples - 1].t - samples[0].t) / 1e6 / (n_samples - 1)
			     : 0.0);
	free(lat);
}

static int64_t run_rate(long rate, double secs, int64_t start)
{
	uint64_t total = rate ? (uint64_t)(rate * secs) / 4 * 4 : UINT64_MAX;
	int64_t end = start + (int64_t)(secs * 1e9), t = start, last = start;
	uint64_t i = 0;

	for (;;) {
		uint64_t due = rate ? (uint64_t)((double)(t - start) * rate / 1e9) : i + BATCH;

		if (due > total)
			due = total;
		while (i < due) {
			int k = letters[(i / 4) % N_LETTERS];

			switch (i % 4) {
			case 0:
				add(EV_KEY, k, 1);
				break;
			case 2:
				add(EV_KEY, k, 0);
				break;
			default:
				add(EV_SYN, SYN_REPORT, 0);
			}
			i++;
			if (nbuf == BATCH || i == due) {
				flush(kbd);
				last = now_ns();
				log_sent(last);
			}
		}
		if (i >= total || (!rate && last >= end))
			break;
		t = now_ns();
		if (rate) {
			t = (t - start) / 1000000 * 1000000 + 1000000 + start;
			sleep_until(t);
		}
	}
	return last;
}

static void frame_at(int64_t t, int fd)
{
	sleep_until(t);
	flush(fd);
}

static int64_t run_mix(double secs, int64_t start)
{
	const int64_t ms = 1000000;
	unsigned int seed = 1;

	for (int64_t c = start; c + 10000 * ms <= start + (int64_t)(secs * 1e9); c += 10000 * ms) {
		for (int i = 0; i < 40; i++) {
			int64_t t = c + i * 150 * ms, hold = (70 + rand_r(&seed) % 41) * ms;
			int k = i % 6 == 5 ? KEY_SPACE : letters[rand_r(&seed) % N_LETTERS];

			for (int v = 1; v >= 0; v--) {
				add(EV_MSC, MSC_SCAN, k);
				add(EV_KEY, k, v);
				add(EV_SYN, SYN_REPORT, 0);
				frame_at(v ? t : t + hold, kbd);
			}
		}
		for (int i = 0; i < 250; i++) {
			add(EV_REL, REL_X, (int)(rand_r(&seed) % 17) - 8);
			add(EV_REL, REL_Y, (int)(rand_r(&seed) % 17) - 8);
			add(EV_SYN, SYN_REPORT, 0);
			frame_at(c + 6000 * ms + i * 8 * ms, mouse);
		}
		for (int v = 1; v >= 0; v--) {
			add(EV_KEY, BTN_LEFT, v);
			add(EV_SYN, SYN_REPORT, 0);
			frame_at(c + (v ? 9000 : 9090) * ms, mouse);
		}
		for (int i = 0; i < 3; i++) {
			add(EV_REL, REL_WHEEL, -1);
			add(EV_REL, REL_WHEEL_HI_RES, -120);
			add(EV_SYN, SYN_REPORT, 0);
			frame_at(c + (9300 + i * 100) * ms, mouse);
		}
	}
	return now_ns();
}

static void usage(void)
{
	fprintf(stderr, "usage: evtap-bench-gen [-w FILE] [-t TAIL_MS] [-l] rate RATE SECONDS\n"
			"       evtap-bench-gen [-w FILE] mix SECONDS\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *wait_file = NULL;
	int opt, latency = 0, mix;
	long tail_ms = 1500, rate = 0;
	double secs;
	pthread_t thread;

	while ((opt = getopt(argc, argv, "w:t:l")) != -1) {
		switch (opt) {
		case 'w':
			wait_file = optarg;
			break;
		case 't':
			tail_ms = atol(optarg);
			break;
		case 'l':
			latency = 1;
			break;
		default:
			usage();
		}
	}
	argv += optind;
	argc -= optind;
	mix = argc == 2 && !strcmp(argv[0], "mix");
	if (mix)
		secs = atof(argv[1]);
	else if (argc == 3 && !strcmp(argv[0], "rate"))
		rate = atol(argv[1]), secs = atof(argv[2]);
	else
		usage();

	kbd = create("evtap bench keyboard", 0);
	mouse = create("evtap bench mouse", 1);
	if (wait_file) {
		char node[64];
		FILE *f = fopen(wait_file, "w");

		event_node(kbd, node, sizeof(node));
		if (!f || fprintf(f, "%s\n", node) < 0 || fclose(f))
			die(wait_file);
		while (!access(wait_file, F_OK))
			usleep(10000);
	} else {
		sleep(1); /* let evdev and the collector see the devices */
	}

	if (latency) {
		take_sample();
		sampling = 1;
		if (pthread_create(&thread, NULL, sampler, NULL))
			die("pthread_create");
	}
	uint64_t cpu0 = cpu_busy_ns();
	int64_t start = now_ns();
	int64_t last = mix ? run_mix(secs, start) : run_rate(rate, secs, start);
	sleep_until(last + tail_ms * 1000000);
	uint64_t cpu1 = cpu_busy_ns();
	double inject_s = (last - start) / 1e9;

	if (latency) {
		sampling = 0;
		pthread_join(thread, NULL);
	}
	printf("events=%llu inject_s=%.3f rate=%.0f cpu_ns=%llu", (unsigned long long)injected,
	       inject_s, inject_s > 0 ? injected / inject_s : 0.0,
	       (unsigned long long)(cpu1 - cpu0));
	if (latency)
		print_latency();
	printf("\n");
	ioctl(kbd, UI_DEV_DESTROY);
	ioctl(mouse, UI_DEV_DESTROY);
	return 0;
}
