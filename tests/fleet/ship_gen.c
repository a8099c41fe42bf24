// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-ship-gen DATA_DIR KEY_DIR CUSTODIAN_PK GID ROUNDS RECORDS INTERVAL_MS UID...: writes
 * RECORDS key records per uid per round through the store, as evtapd does in fleet mode
 * (shared with group GID, keys sealed to CUSTODIAN_PK), flushing each round, so that
 * evtap-shipd has real sealed blocks to ship while they are written. Small blocks and segments
 * make many of both. Every device is named with a marker that must never reach the broker in
 * plaintext. Also writes consent.conf and audit.log (0600), which the shipper must not read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "fleet_pseudonym.h"
#include "store.h"

#define MARKER "EVTAP-PLAINTEXT-MARKER"

static void private_file(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd >= 0) {
		if (write(fd, MARKER "\n", strlen(MARKER) + 1) < 0)
			perror(path);
		close(fd);
	}
}

static int append(struct store *st, uint32_t uid, int i)
{
	struct evtap_device dev = { .index = 1, .bus = 3, .vendor = 0x46d, .product = 0xc31c };
	struct evtap_record rec = {
		.ts_ns = (int64_t)time(NULL) * 1000000000LL + i,
		.uid = uid,
		.kind = EVTAP_KIND_KEY,
		.dev = 1,
		.code = (uint16_t)(30 + i % 26),
		.value = i & 1,
	};

	snprintf(dev.name, sizeof(dev.name), "%s %u", MARKER, uid);
	return store_append(st, &rec, &dev);
}

int main(int argc, char **argv)
{
	struct store_opts opts = { .segment_bytes = 16384, .block_bytes = 512 };
	struct store_share sh;
	char err[256];
	struct store *st;
	int rounds, records, interval_ms, ret;

	if (argc < 9) {
		fprintf(stderr,
			"usage: evtap-ship-gen DATA KEYS PK GID ROUNDS RECORDS MS UID...\n");
		return 2;
	}
	if (fleet_read_key(argv[3], sh.custodian_pk, err, sizeof(err))) {
		fprintf(stderr, "evtap-ship-gen: %s\n", err);
		return 1;
	}
	sh.gid = (gid_t)atoi(argv[4]);
	rounds = atoi(argv[5]);
	records = atoi(argv[6]);
	interval_ms = atoi(argv[7]);
	opts.share = &sh;
	ret = store_open(&st, argv[1], argv[2], &opts);
	if (ret) {
		fprintf(stderr, "evtap-ship-gen: %s: %s\n", argv[1], strerror(-ret));
		return 1;
	}
	private_file(argv[1], "consent.conf");
	private_file(argv[1], "audit.log");
	for (int r = 0; r < rounds && !ret; r++) {
		for (int u = 8; u < argc && !ret; u++)
			for (int i = 0; i < records && !ret; i++)
				ret = append(st, (uint32_t)atoi(argv[u]), r * records + i);
		ret = ret ? ret : store_flush(st);
		usleep((useconds_t)interval_ms * 1000);
	}
	store_close(st);
	if (ret)
		fprintf(stderr, "evtap-ship-gen: %s\n", strerror(-ret));
	return ret ? 1 : 0;
}
