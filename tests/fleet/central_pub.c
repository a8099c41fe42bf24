// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-central-pub SERVERS CREDS PSEUDONYM_KEY CUSTODIAN_PK HOST_ID USER UID KEYFILE SEQ LEVEL
 * TEXT [BLOCKS]: publishes as an agent what evtap-shipd would for USER on the machine HOST_ID:
 * the user's data key (KEYFILE, made once) sealed to the custodian, then BLOCKS (default 1)
 * real sealed store blocks of segment SEQ (seg_pack, at the offsets a segment file would hold
 * them), each the records of typing TEXT (a-z and spaces) at LEVEL full (key records) or
 * classes (key class records), in the wire format of docs/FLEET.md. LEVEL "moved" sends a
 * full block whose Evtap-Offset header is not where it was sealed (it must not open).
 */
#include <fcntl.h>
#include <linux/input-event-codes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "codec.h"
#include "fleet_conf.h"
#include "fleet_conn.h"
#include "fleet_names.h"
#include "fleet_pseudonym.h"
#include "segment.h"

static const uint16_t letters[26] = {
	KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I, KEY_J, KEY_K, KEY_L, KEY_M,
	KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R, KEY_S, KEY_T, KEY_U, KEY_V, KEY_W, KEY_X, KEY_Y, KEY_Z,
};

static int user_key(const char *path, uint8_t key[KEY_SIZE])
{
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		randombytes_buf(key, KEY_SIZE);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0 || write(fd, key, KEY_SIZE) != KEY_SIZE)
			return -1;
	} else if (read(fd, key, KEY_SIZE) != KEY_SIZE) {
		return -1;
	}
	return close(fd);
}

static void encode_text(struct codec_enc *enc, const char *text, int classes, int64_t t0)
{
	struct evtap_device dev = { .index = 3, .bus = 3, .class = EVTAP_DEV_KEYBOARD };
	struct evtap_record r = { .dev = 3 };

	strcpy(dev.name, "test keyboard");
	codec_enc_reset(enc);
	for (int i = 0; text[i]; i++) {
		int letter = text[i] >= 'a' && text[i] <= 'z';

		r.ts_ns = t0 + i * 1000000;
		r.kind = classes ? EVTAP_KIND_KEYCLASS : EVTAP_KIND_KEY;
		r.code = classes ? (letter ? EVTAP_CLASS_LETTER : EVTAP_CLASS_SPACE)
				 : (letter ? letters[text[i] - 'a'] : KEY_SPACE);
		r.value = 1;
		codec_enc_append(enc, &r, &dev);
	}
}

static int publish(jsCtx *js, const char *subject, const char *id, const void *data, int len,
		   uint64_t seq, uint64_t off)
{
	natsMsg *m = NULL;
	jsPubAck *ack = NULL;
	char v[24];
	int bad = natsMsg_Create(&m, subject, NULL, data, len) != NATS_OK;

	if (!bad && seq != UINT64_MAX) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)seq);
		natsMsgHeader_Set(m, "Evtap-Segment", v);
		snprintf(v, sizeof(v), "%llu", (unsigned long long)off);
		natsMsgHeader_Set(m, "Evtap-Offset", v);
		natsMsgHeader_Set(m, "Evtap-Format", "2");
	}
	if (!bad)
		natsMsgHeader_Set(m, "Nats-Msg-Id", id);
	bad = bad || js_PublishMsg(&ack, js, m, NULL, NULL) != NATS_OK;
	jsPubAck_Destroy(ack);
	natsMsg_Destroy(m);
	return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
	char person[FLEET_PSEUDONYM_LEN + 1], host[FLEET_PSEUDONYM_LEN + 1], subj[128], id[160];
	unsigned char pkey[FLEET_KEY_LEN], cpk[FLEET_KEY_LEN];
	uint8_t key[KEY_SIZE], sealed[KEY_SEALED_SIZE];
	struct fleet_conf fc;
	struct codec_enc enc;
	struct seg_packer *pk;
	natsConnection *nc;
	jsCtx *js;
	char err[512];
	int moved, blocks = argc > 12 ? atoi(argv[12]) : 1;
	uint64_t off = SEG_HEADER_SIZE, seq;
	int64_t t0 = clock_wall_ns();

	if (argc < 12 || sodium_init() < 0)
		return 2;
	seq = strtoull(argv[9], NULL, 10);
	moved = !strcmp(argv[10], "moved");
	fleet_conf_init(&fc);
	fc.servers[fc.nservers++] = strdup(argv[1]);
	fc.credentials = strdup(argv[2]);
	if (fleet_read_key(argv[3], pkey, err, sizeof(err)) ||
	    fleet_read_key(argv[4], cpk, err, sizeof(err)) ||
	    fleet_pseudonym(person, pkey, argv[6]) || fleet_pseudonym(host, pkey, argv[5]) ||
	    user_key(argv[8], key) ||
	    key_seal_for_custodian(sealed, (uint32_t)atoi(argv[7]), key, cpk) ||
	    fleet_connect(&nc, &fc, "central-pub", 0, err, sizeof(err)) ||
	    natsConnection_JetStream(&js, nc, NULL) != NATS_OK) {
		fprintf(stderr, "central-pub: setup failed: %s\n", err);
		return 1;
	}
	fleet_subject_key(subj, sizeof(subj), person, host);
	fleet_key_msg_id(id, sizeof(id), host, person);
	if (publish(js, subj, id, sealed, sizeof(sealed), UINT64_MAX, 0))
		return 1;
	codec_enc_init(&enc, CODEC_BLOCK_MAX);
	seg_packer_new(&pk, CODEC_BLOCK_MAX);
	fleet_subject_data(subj, sizeof(subj), person, host);
	for (int b = 0; b < blocks; b++) {
		struct seg_place place = { (uint32_t)atoi(argv[7]), seq, off };
		const uint8_t *frame;
		size_t len;

		encode_text(&enc, argv[11], !strcmp(argv[10], "classes"), t0 + b * 1000000000LL);
		if (seg_pack(pk, enc.buf, enc.len, key, &place, &frame, &len))
			return 1;
		fleet_msg_id(id, sizeof(id), host, person, seq, off + moved);
		if (publish(js, subj, id, frame, (int)len, seq, off + moved))
			return 1;
		off += len;
	}
	printf("%s %s\n", person, host);
	seg_packer_free(pk);
	codec_enc_free(&enc);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	fleet_conf_free(&fc);
	nats_Close();
	return 0;
}
