// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * evtap-inject: a uinput keyboard ("evtap test keyboard") and mouse ("evtap test mouse") that
 * replay commands read from stdin, one per line, for the VM tests:
 *   key NAME VALUE    one EV_KEY event (KEY_A 1), then SYN_REPORT
 *   press NAME        press and release, each followed by SYN_REPORT
 *   type TEXT         press and release per character: a-z, 0-9, space, . , - and newline
 *   scan VALUE        an MSC_SCAN event on the keyboard, then SYN_REPORT
 *   click NAME        press and release a button (BTN_LEFT)
 *   move DX DY        REL_X and REL_Y (split across two events each), then SYN_REPORT
 *   wheel N           REL_WHEEL N with its REL_WHEEL_HI_RES twin, then SYN_REPORT
 *   burst N           N presses and releases of KEY_A
 * With --loop it presses and releases KEY_A until SIGTERM, for tests under a continuous stream.
 * The devices are destroyed at the end of input: tests keep stdin open until they are done.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/uinput.h>
#include "codenames.h"
#include "evtap.h"

static int kbd = -1, mouse = -1;
static volatile sig_atomic_t stopping;

static void emit(int fd, int type, int code, int value)
{
	struct input_event ev = { .type = type, .code = code, .value = value };

	if (write(fd, &ev, sizeof(ev)) != sizeof(ev)) {
		perror("evtap-inject: write");
		exit(1);
	}
}

static void key(int fd, int code, int value)
{
	emit(fd, EV_KEY, code, value);
	emit(fd, EV_SYN, SYN_REPORT, 0);
}

static void press(int fd, int code)
{
	key(fd, code, 1);
	key(fd, code, 0);
}

static int code_of(const char *name)
{
	for (unsigned int c = 0; c < KEY_CNT; c++) {
		const char *n = evtap_code_name(EVTAP_KIND_KEY, c);
		if (n && !strcmp(n, name))
			return (int)c;
	}
	fprintf(stderr, "evtap-inject: unknown key or button '%s'\n", name);
	exit(2);
}

static int char_code(char ch)
{
	static const char letters[] = "qwertyuiop";
	static const char row2[] = "asdfghjkl";
	static const char row3[] = "zxcvbnm";
	const char *p;

	if ((p = strchr(letters, ch)))
		return KEY_Q + (int)(p - letters);
	if ((p = strchr(row2, ch)))
		return KEY_A + (int)(p - row2);
	if ((p = strchr(row3, ch)))
		return KEY_Z + (int)(p - row3);
	if (ch >= '1' && ch <= '9')
		return KEY_1 + ch - '1';
	switch (ch) {
	case '0':
		return KEY_0;
	case ' ':
		return KEY_SPACE;
	case '.':
		return KEY_DOT;
	case ',':
		return KEY_COMMA;
	case '-':
		return KEY_MINUS;
	case '\n':
		return KEY_ENTER;
	}
	fprintf(stderr, "evtap-inject: cannot type '%c'\n", ch);
	exit(2);
}

static int create(const char *name, int is_mouse)
{
	struct uinput_setup setup = {
		.id = { .bustype = BUS_VIRTUAL, .vendor = 0xe7a9, .product = is_mouse ? 2 : 1 }
	};
	int fd = open("/dev/uinput", O_WRONLY | O_CLOEXEC);

	if (fd < 0) {
		perror("evtap-inject: /dev/uinput");
		exit(1);
	}
	snprintf(setup.name, sizeof(setup.name), "%s", name);
	ioctl(fd, UI_SET_EVBIT, EV_KEY);
	if (is_mouse) {
		ioctl(fd, UI_SET_EVBIT, EV_REL);
		for (int b = BTN_LEFT; b <= BTN_MIDDLE; b++)
			ioctl(fd, UI_SET_KEYBIT, b);
		for (int r = REL_X; r <= REL_WHEEL_HI_RES; r++)
			ioctl(fd, UI_SET_RELBIT, r);
	} else {
		ioctl(fd, UI_SET_EVBIT, EV_MSC);
		ioctl(fd, UI_SET_MSCBIT, MSC_SCAN);
		for (int k = KEY_ESC; k < BTN_MISC; k++)
			ioctl(fd, UI_SET_KEYBIT, k);
	}
	if (ioctl(fd, UI_DEV_SETUP, &setup) || ioctl(fd, UI_DEV_CREATE)) {
		perror("evtap-inject: creating the device");
		exit(1);
	}
	return fd;
}

static void move(int dx, int dy)
{
	/* Two events per axis: the kernel program must sum them into one frame. */
	emit(mouse, EV_REL, REL_X, dx / 2);
	emit(mouse, EV_REL, REL_Y, dy / 2);
	emit(mouse, EV_REL, REL_X, dx - dx / 2);
	emit(mouse, EV_REL, REL_Y, dy - dy / 2);
	emit(mouse, EV_SYN, SYN_REPORT, 0);
}

static void run_command(char *line)
{
	char *cmd, *a, *b;

	if (!strncmp(line, "type ", 5)) {
		for (const char *p = line + 5; *p; p++)
			press(kbd, char_code(*p));
		return;
	}
	cmd = strtok(line, " \n");
	a = strtok(NULL, " \n");
	b = strtok(NULL, "\n");
	if (!cmd)
		return;
	if (!strcmp(cmd, "key") && a && b)
		key(kbd, code_of(a), atoi(b));
	else if (!strcmp(cmd, "press") && a)
		press(kbd, code_of(a));
	else if (!strcmp(cmd, "scan") && a) {
		emit(kbd, EV_MSC, MSC_SCAN, atoi(a));
		emit(kbd, EV_SYN, SYN_REPORT, 0);
	} else if (!strcmp(cmd, "click") && a)
		press(mouse, code_of(a));
	else if (!strcmp(cmd, "move") && a && b)
		move(atoi(a), atoi(b));
	else if (!strcmp(cmd, "wheel") && a) {
		emit(mouse, EV_REL, REL_WHEEL, atoi(a));
		emit(mouse, EV_REL, REL_WHEEL_HI_RES, 120 * atoi(a));
		emit(mouse, EV_SYN, SYN_REPORT, 0);
	} else if (!strcmp(cmd, "burst") && a) {
		for (long i = atol(a); i > 0; i--)
			press(kbd, KEY_A);
	} else {
		fprintf(stderr, "evtap-inject: bad command '%s'\n", cmd);
		exit(2);
	}
}

static void on_term(int sig)
{
	stopping = 1;
}

int main(int argc, char **argv)
{
	char line[4096];

	kbd = create("evtap test keyboard", 0);
	mouse = create("evtap test mouse", 1);
	if (argc > 1 && !strcmp(argv[1], "--loop")) {
		signal(SIGTERM, on_term);
		while (!stopping)
			press(kbd, KEY_A);
	} else {
		while (fgets(line, sizeof(line), stdin)) {
			line[strcspn(line, "\n")] = '\0';
			run_command(line);
		}
	}
	ioctl(kbd, UI_DEV_DESTROY);
	ioctl(mouse, UI_DEV_DESTROY);
	return 0;
}
