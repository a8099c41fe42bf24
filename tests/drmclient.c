// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A small DRM client for the display tests: shows a dumb buffer on the first connected
 * connector (drmModeSetCrtc), flips between two buffers (drmModePageFlip) and reports damage
 * (drmModeDirtyFB, which drivers without .dirty such as bochs refuse after the ioctl is entered).
 *
 * usage: evtap-drmclient [DEVICE [FLIPS [DIRTIES]]]   (/dev/dri/card0, 3, 5)
 * Prints one line: "drmclient: setcrtc ok, flips N/M, dirtyfb N/M".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

struct buffer {
	uint32_t handle, pitch, fb;
	uint64_t size;
};

static int make_buffer(int fd, const drmModeModeInfo *mode, struct buffer *b)
{
	struct drm_mode_create_dumb create = {
		.width = mode->hdisplay,
		.height = mode->vdisplay,
		.bpp = 32,
	};

	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		return -errno;
	b->handle = create.handle;
	b->pitch = create.pitch;
	b->size = create.size;
	if (drmModeAddFB(fd, mode->hdisplay, mode->vdisplay, 24, 32, b->pitch, b->handle, &b->fb))
		return -errno;
	return 0;
}

static void on_flip(int fd, unsigned int seq, unsigned int sec, unsigned int usec, void *data)
{
	*(int *)data = 1;
}

/* Waits up to 500 ms for the flip's completion event, which sets *done. */
static void wait_flip(int fd, int *done)
{
	drmEventContext ev = { .version = 2, .page_flip_handler = on_flip };
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (!*done && poll(&p, 1, 500) > 0)
		drmHandleEvent(fd, &ev);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/dri/card0";
	int flips = argc > 2 ? atoi(argv[2]) : 3, dirties = argc > 3 ? atoi(argv[3]) : 5;
	int fd, flipped = 0, dirtied = 0;
	drmModeConnector *conn = NULL;
	struct buffer buf[2];
	drmModeRes *res;
	uint32_t crtc;
	int i;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	res = drmModeGetResources(fd);
	if (!res || !res->count_crtcs) {
		fprintf(stderr, "drmclient: no KMS resources\n");
		return 1;
	}
	for (i = 0; i < res->count_connectors; i++) {
		conn = drmModeGetConnector(fd, res->connectors[i]);
		if (conn && conn->connection == DRM_MODE_CONNECTED && conn->count_modes)
			break;
		drmModeFreeConnector(conn);
		conn = NULL;
	}
	if (!conn) {
		fprintf(stderr, "drmclient: no connected connector\n");
		return 1;
	}
	crtc = res->crtcs[0];
	if (make_buffer(fd, &conn->modes[0], &buf[0]) ||
	    make_buffer(fd, &conn->modes[0], &buf[1])) {
		perror("drmclient: dumb buffer");
		return 1;
	}
	if (drmModeSetCrtc(fd, crtc, buf[0].fb, 0, 0, &conn->connector_id, 1, &conn->modes[0])) {
		perror("drmclient: drmModeSetCrtc");
		return 1;
	}
	for (i = 0; i < flips; i++) {
		int done = 0;

		if (!drmModePageFlip(fd, crtc, buf[(i + 1) % 2].fb, DRM_MODE_PAGE_FLIP_EVENT,
				     &done)) {
			wait_flip(fd, &done);
			flipped += done;
		} else {
			fprintf(stderr, "drmclient: drmModePageFlip: %s\n", strerror(errno));
		}
	}
	for (i = 0; i < dirties; i++) {
		drmModeClip clip = { .x1 = 0, .y1 = 0, .x2 = 64, .y2 = 32 };

		if (!drmModeDirtyFB(fd, buf[flips % 2].fb, &clip, 1))
			dirtied++;
	}
	printf("drmclient: setcrtc ok, flips %d/%d, dirtyfb %d/%d\n", flipped, flips, dirtied,
	       dirties);
	drmModeFreeConnector(conn);
	drmModeFreeResources(res);
	close(fd);
	return 0;
}
