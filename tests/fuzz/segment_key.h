/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The key the segment seeds are sealed with, and fuzz_segment reads with: with it, mutations
 * that keep a seal intact reach the decompressor and decoder, and the rest exercise the open.
 */
#ifndef EVTAP_FUZZ_SEGMENT_KEY_H
#define EVTAP_FUZZ_SEGMENT_KEY_H

#include <stdint.h>
#include "keys.h"

static const uint8_t fuzz_segment_key[KEY_SIZE] = "evtap fuzz_segment test key 256";

#endif /* EVTAP_FUZZ_SEGMENT_KEY_H */
