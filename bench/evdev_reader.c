// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-bench-reader DEVICE OUTPUT: the cheapest input logger a user could write instead of
 * evtap, as the benchmark's point of comparison. It reads DEVICE (/dev/input/eventN) in
 * batches of up to 256 events and appends one 16-byte record per event to OUTPUT, through a
 * 64 KiB stdio buffer, until SIGTERM or SIGINT. At exit it prints to stdout how many events
 * it logged and how many times evdev's buffer overflowed (SYN_DROPPED).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/input.h>

struct record {
	uint64_t ts_us;
	uint16_t type;
	uint16_t code;
	int32_t value;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
}

int main(int argc, char **argv)
{
	static char obuf[65536];
	struct input_event evs[256];
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned long long logged = 0, dropped = 0;
	FILE *out;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: evtap-bench-reader DEVICE OUTPUT\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	out = fopen(argv[2], "wb");
	if (fd < 0 || !out || setvbuf(out, obuf, _IOFBF, sizeof(obuf))) {
		fprintf(stderr, "evtap-bench-reader: %s\n", strerror(errno));
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL); /* no SA_RESTART: read() returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	while (!stopping) {
		ssize_t n = read(fd, evs, sizeof(evs));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (size_t i = 0; i < n / sizeof(evs[0]); i++) {
			struct record r = {
				.ts_us = evs[i].input_event_sec * 1000000ULL +
					 evs[i].input_event_usec,
				.type = evs[i].type,
				.code = evs[i].code,
				.value = evs[i].value,
			};
			fwrite(&r, sizeof(r), 1, out);
			dropped += r.type == EV_SYN && r.code == SYN_DROPPED;
		}
		logged += n / sizeof(evs[0]);
	}
	printf("logged=%llu dropped=%llu\n", logged, dropped);
	return fclose(out) ? 1 : 0;
}
