// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What passes from the loader to the runtime (loader.h): messages with descriptors, and pins. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "loader.h"

int loader_send(int sock, const void *msg, size_t len, const int *fds, int nfds)
{
	char control[CMSG_SPACE(LOADER_FDS_MAX * sizeof(int))] = { 0 };
	struct iovec iov = { (void *)msg, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (nfds > LOADER_FDS_MAX)
		return -E2BIG;
	if (nfds) {
		mh.msg_control = control;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -errno;
}

int loader_recv(int sock, void *msg, size_t len, int *fds, int *nfds)
{
	char control[CMSG_SPACE(LOADER_FDS_MAX * sizeof(int))];
	struct iovec iov = { msg, len };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	struct cmsghdr *c;
	ssize_t n;

	*nfds = 0;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			*nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(fds, CMSG_DATA(c), *nfds * sizeof(int));
		}
	/* A truncated message or descriptor list is a loader that does not speak this. */
	return (size_t)n == len && !(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ? 0 : -EPROTO;
}

int loader_unpin(int dir_fd, const char *prefix)
{
	int fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0), n = 0;
	size_t len = strlen(prefix);
	struct dirent *e;
	DIR *d;

	/* fdopendir owns what it is given, and a copy shares the offset: start from the top. */
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		n = -errno;
		if (fd >= 0)
			close(fd);
		return n;
	}
	rewinddir(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && !strncmp(e->d_name, prefix, len) &&
		    !unlinkat(dirfd(d), e->d_name, 0))
			n++;
	closedir(d);
	return n;
}
