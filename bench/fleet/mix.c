// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The fleet benchmark's input mix as records (mix.h; the schedule of bench/gen.c's mix). */
#include <linux/input-event-codes.h>
#include <stdlib.h>
#include "mix.h"

#define MS 1000000LL

static const uint16_t letters[] = { 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 30, 31, 32,
				    33, 34, 35, 36, 37, 38, 44, 45, 46, 47, 48, 49, 50 };
#define N_LETTERS (sizeof(letters) / sizeof(letters[0]))

static const struct evtap_device keyboard = {
	.index = MIX_KEYBOARD,
	.bus = 3,
	.vendor = 0x46d,
	.product = 0xc31c,
	.class = EVTAP_DEV_KEYBOARD,
	.name = "Logitech USB Keyboard",
};
static const struct evtap_device mouse = {
	.index = MIX_MOUSE,
	.bus = 3,
	.vendor = 0x46d,
	.product = 0xc077,
	.class = EVTAP_DEV_MOUSE,
	.name = "Logitech USB Optical Mouse",
};

const struct evtap_device *mix_device(uint32_t index)
{
	return index == MIX_KEYBOARD ? &keyboard : &mouse;
}

static struct mix_entry *add(struct mix *m, size_t *n, int64_t at, uint32_t dev, uint8_t kind,
			     uint8_t events)
{
	struct mix_entry *e = &m->cycle[(*n)++];

	*e = (struct mix_entry){ .at_ns = at, .events = events };
	e->rec = (struct evtap_record){ .uid = m->uid, .dev = dev, .kind = kind };
	return e;
}

/* One cycle's records in time order, as bench/gen.c's run_mix injects its events. */
static void make_cycle(struct mix *m)
{
	size_t n = 0;

	for (int i = 0; i < 40; i++) {
		int64_t t = i * 150 * MS, hold = (70 + rand_r(&m->seed) % 41) * MS;
		uint16_t k = i % 6 == 5 ? KEY_SPACE : letters[rand_r(&m->seed) % N_LETTERS];

		for (int v = 1; v >= 0; v--) {
			struct mix_entry *e =
				add(m, &n, v ? t : t + hold, MIX_KEYBOARD, EVTAP_KIND_KEY, 3);

			e->rec.code = k;
			e->rec.value = v;
		}
	}
	for (int i = 0; i < 250; i++) {
		struct mix_entry *e =
			add(m, &n, 6000 * MS + i * 8 * MS, MIX_MOUSE, EVTAP_KIND_MOTION, 3);

		e->rec.value = (int)(rand_r(&m->seed) % 17) - 8;
		e->rec.value2 = (int)(rand_r(&m->seed) % 17) - 8;
	}
	for (int v = 1; v >= 0; v--) {
		struct mix_entry *e =
			add(m, &n, (v ? 9000 : 9090) * MS, MIX_MOUSE, EVTAP_KIND_BUTTON, 2);

		e->rec.code = BTN_LEFT;
		e->rec.value = v;
	}
	for (int i = 0; i < 3; i++)
		add(m, &n, (9300 + i * 100) * MS, MIX_MOUSE, EVTAP_KIND_WHEEL, 3)->rec.value = -1;
	m->next = 0;
}

void mix_init(struct mix *m, uint32_t uid, unsigned int seed, int speed, int64_t start_ns)
{
	*m = (struct mix){ .seed = seed, .uid = uid, .speed = speed, .start_ns = start_ns };
	make_cycle(m);
}

int mix_next(struct mix *m, int64_t now_ns, struct evtap_record *rec, unsigned int *events)
{
	int64_t cycle_ns = MIX_CYCLE_NS / m->speed, at;
	const struct mix_entry *e;

	if (m->next == MIX_CYCLE_RECORDS) {
		m->n_cycle++;
		make_cycle(m);
	}
	e = &m->cycle[m->next];
	at = m->start_ns + m->n_cycle * cycle_ns + e->at_ns / m->speed;
	if (at > now_ns)
		return 0;
	*rec = e->rec;
	rec->ts_ns = at;
	*events = e->events;
	m->next++;
	return 1;
}
