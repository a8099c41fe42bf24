// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-bench-pull DIR BLOCKS RECORDS: the consumer's decrypt-verify-write path alone, as
 * evtap-pull runs it for each message (block_handle: headers, dedupe, seal opened against its
 * place, records decoded, written as JSON lines), then its commit (fsync, .seen), over BLOCKS
 * data messages of RECORDS key records each, sealed with a key that is already released (no
 * broker, no custodian: those are measured apart). Prints records per second of CPU time.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "clock.h"
#include "codec.h"
#include "pull.h"

static const char person[] = "0123456789abcdef0123456789abcdef";
static const char host[] = "fedcba9876543210fedcba9876543210";

static natsMsg *message(struct seg_packer *pk, struct codec_enc *enc, const uint8_t *key,
			uint64_t off, int64_t t0, size_t *len)
{
	struct seg_place place = { 1000, 0, off };
	const uint8_t *frame;
	char subject[128], v[24];
	natsMsg *m = NULL;

	if (seg_pack(pk, enc->buf, enc->len, key, &place, &frame, len))
		return NULL;
	fleet_subject_data(subject, sizeof(subject), person, host);
	natsMsg_Create(&m, subject, NULL, (const char *)frame, (int)*len);
	natsMsgHeader_Set(m, "Evtap-Segment", "0");
	snprintf(v, sizeof(v), "%llu", (unsigned long long)off);
	natsMsgHeader_Set(m, "Evtap-Offset", v);
	return m;
}

static void encode(struct codec_enc *enc, int records, int64_t t0)
{
	struct evtap_device dev = { .index = 3, .bus = 3, .class = EVTAP_DEV_KEYBOARD };
	struct evtap_record r = { .dev = 3, .kind = EVTAP_KIND_KEY, .value = 1 };

	strcpy(dev.name, "bench keyboard");
	codec_enc_reset(enc);
	for (int i = 0; i < records; i++) {
		r.ts_ns = t0 + i * 20000000LL;
		r.code = (uint16_t)(16 + i % 34);
		r.value = i & 1;
		if (codec_enc_append(enc, &r, &dev))
			break;
	}
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	static struct pull p = { .purpose = "bench" };
	struct key_entry k = { .expires = INT64_MAX, .uid = 1000, .level = EVTAP_LEVEL_FULL };
	int blocks = argc == 4 ? atoi(argv[2]) : 0, records = argc == 4 ? atoi(argv[3]) : 0;
	natsMsg **msgs = calloc((size_t)blocks, sizeof(*msgs));
	char(*ids)[160] = calloc((size_t)blocks, 160),
	**idp = calloc((size_t)blocks, sizeof(char *));
	struct seg_packer *pk;
	struct codec_enc enc;
	uint64_t off = SEG_HEADER_SIZE;
	int64_t t0 = clock_wall_ns(), w0;
	double c0;
	size_t len;

	if (blocks <= 0 || records <= 0 || !msgs || !ids || !idp || sodium_init() < 0)
		return 2;
	strcpy(k.person, person);
	strcpy(k.host, host);
	randombytes_buf(k.key, sizeof(k.key));
	p.keys = &k;
	p.nkeys = 1;
	p.out_fd = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (p.out_fd < 0 || seen_open(&p.seen, p.out_fd) || !(p.reader = seg_reader_new()) ||
	    codec_enc_init(&enc, CODEC_BLOCK_MAX) || seg_packer_new(&pk, CODEC_BLOCK_MAX))
		return 1;
	for (int b = 0; b < blocks; b++, off += len) {
		encode(&enc, records, t0 + b * 1000000000LL);
		msgs[b] = message(pk, &enc, k.key, off, t0, &len);
		if (!msgs[b])
			return 1;
	}
	c0 = cpu_s();
	w0 = clock_mono_ns();
	for (int b = 0; b < blocks; b++) {
		if (block_handle(&p, msgs[b], ids[b], sizeof(ids[b])))
			return 1;
		idp[b] = ids[b];
	}
	if (seen_commit(p.seen, &p, idp, blocks))
		return 1;
	printf("records %llu blocks %d cpu %.3f s wall %.3f s: %.0f records/s per core\n",
	       (unsigned long long)p.st.records, blocks, cpu_s() - c0, (clock_mono_ns() - w0) / 1e9,
	       p.st.records / (cpu_s() - c0));
	return p.st.records == (uint64_t)blocks * (uint64_t)records ? 0 : 1;
}
