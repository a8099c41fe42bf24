// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Key files and the machine-id: read whole, with their size checked, or refused. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "fleet_pseudonym.h"

/* Reads up to len bytes, fewer only at the end of the file. */
static ssize_t read_all(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

int fleet_read_key(const char *path, unsigned char key[FLEET_KEY_LEN], char *err, size_t errlen)
{
	unsigned char buf[FLEET_KEY_LEN + 1];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		n = -errno;
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return n;
	}
	/* One byte more than a key, so that a file too long shows as such. */
	n = read_all(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-n));
		return n;
	}
	if (n != FLEET_KEY_LEN) {
		snprintf(err, errlen, "%s: expected exactly %d raw bytes, found %s", path,
			 FLEET_KEY_LEN, n > FLEET_KEY_LEN ? "more" : "fewer");
		memset(buf, 0, sizeof(buf));
		return -EINVAL;
	}
	memcpy(key, buf, FLEET_KEY_LEN);
	memset(buf, 0, sizeof(buf));
	return 0;
}

int fleet_read_machine_id(const char *path, char *buf, size_t len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	int ret = 0;

	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return ret;
	}
	if (!fgets(buf, len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	if (!*buf) {
		snprintf(err, errlen, "%s: empty: expected the machine-id", path);
		return -EINVAL;
	}
	return ret;
}
