// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Bytes on the wire per socket of this process (wire.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/tcp.h>
#include "wire.h"

#define MAX_SOCKETS 65536

struct sock_seen {
	ino_t inode;
	uint64_t sent, received;
};

static struct sock_seen seen[MAX_SOCKETS];
static unsigned int n_seen;

/* Sockets come and go slowly: a linear search from the newest is cheap enough at 5 Hz. */
static struct sock_seen *slot(ino_t inode)
{
	for (unsigned int i = n_seen; i-- > 0;)
		if (seen[i].inode == inode)
			return &seen[i];
	if (n_seen == MAX_SOCKETS)
		return NULL;
	seen[n_seen] = (struct sock_seen){ .inode = inode };
	return &seen[n_seen++];
}

static void sample_fd(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	struct sock_seen *s;
	struct stat sb;

	if (fstat(fd, &sb) || !S_ISSOCK(sb.st_mode))
		return;
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) || len < sizeof(ti))
		return;
	s = slot(sb.st_ino);
	if (s) {
		s->sent = ti.tcpi_bytes_sent;
		s->received = ti.tcpi_bytes_received;
	}
}

struct wire_totals wire_sample(void)
{
	struct wire_totals t = { 0 };
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			sample_fd(atoi(e->d_name));
	if (d)
		closedir(d);
	for (unsigned int i = 0; i < n_seen; i++) {
		t.sent += seen[i].sent;
		t.received += seen[i].received;
	}
	t.sockets = n_seen;
	return t;
}
