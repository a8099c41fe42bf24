/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Bytes on the wire, from the sockets: every TCP socket of this process, sampled with
 * TCP_INFO (tcpi_bytes_sent, tcpi_bytes_received: TCP payload, that is the NATS protocol
 * stream each way, without IP and TCP headers). A socket's last sample stands for it once it
 * is closed (a connection to a killed node): what it sent after that sample is not counted,
 * so the caller samples often (every 200 ms).
 */
#ifndef EVTAP_BENCH_WIRE_H
#define EVTAP_BENCH_WIRE_H

#include <stdint.h>

struct wire_totals {
	uint64_t sent, received; /* over every socket seen, each at its last sample */
	unsigned int sockets;	 /* seen since wire_sample's first call */
};

/* Samples every socket; returns the totals so far. */
struct wire_totals wire_sample(void);

#endif /* EVTAP_BENCH_WIRE_H */
