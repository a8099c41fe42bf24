/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Key code to enum evtap_key_class, for level classes: what kind of key was typed, never
 * which key. Decisions: Esc counts as a function key (the function row, a command rather than
 * text); the lock keys (caps, num, scroll) and Compose are modifiers; keypad digits are digits,
 * keypad operators are punctuation, keypad Enter is Enter; media, power and language keys are
 * "other".
 */
#ifndef EVTAP_KEYCLASS_BPF_H
#define EVTAP_KEYCLASS_BPF_H

#include "vmlinux.h"
#include <linux/input-event-codes.h>
#include "evtap.h"

/*
 * A table rather than a switch: one bounded load from .rodata, and one verifier path where a
 * switch would fork the rest of the program for every class. Every entry is listed (no
 * default) because the zero class is "letter". It covers the codes below BTN_MISC; above
 * it, only KEY_FN is not "other".
 */
static const __u8 evtap_key_classes[BTN_MISC] = {
	[KEY_RESERVED] = EVTAP_CLASS_OTHER,
	[KEY_ESC] = EVTAP_CLASS_FUNCTION,
	[KEY_1... KEY_0] = EVTAP_CLASS_DIGIT,
	[KEY_MINUS... KEY_EQUAL] = EVTAP_CLASS_PUNCT,
	[KEY_BACKSPACE] = EVTAP_CLASS_DELETE,
	[KEY_TAB] = EVTAP_CLASS_TAB,
	[KEY_Q... KEY_P] = EVTAP_CLASS_LETTER,
	[KEY_LEFTBRACE... KEY_RIGHTBRACE] = EVTAP_CLASS_PUNCT,
	[KEY_ENTER] = EVTAP_CLASS_ENTER,
	[KEY_LEFTCTRL] = EVTAP_CLASS_MODIFIER,
	[KEY_A... KEY_L] = EVTAP_CLASS_LETTER,
	[KEY_SEMICOLON... KEY_GRAVE] = EVTAP_CLASS_PUNCT,
	[KEY_LEFTSHIFT] = EVTAP_CLASS_MODIFIER,
	[KEY_BACKSLASH] = EVTAP_CLASS_PUNCT,
	[KEY_Z... KEY_M] = EVTAP_CLASS_LETTER,
	[KEY_COMMA... KEY_SLASH] = EVTAP_CLASS_PUNCT,
	[KEY_RIGHTSHIFT] = EVTAP_CLASS_MODIFIER,
	[KEY_KPASTERISK] = EVTAP_CLASS_PUNCT,
	[KEY_LEFTALT] = EVTAP_CLASS_MODIFIER,
	[KEY_SPACE] = EVTAP_CLASS_SPACE,
	[KEY_CAPSLOCK] = EVTAP_CLASS_MODIFIER,
	[KEY_F1... KEY_F10] = EVTAP_CLASS_FUNCTION,
	[KEY_NUMLOCK... KEY_SCROLLLOCK] = EVTAP_CLASS_MODIFIER,
	[KEY_KP7... KEY_KP9] = EVTAP_CLASS_DIGIT,
	[KEY_KPMINUS] = EVTAP_CLASS_PUNCT,
	[KEY_KP4... KEY_KP6] = EVTAP_CLASS_DIGIT,
	[KEY_KPPLUS] = EVTAP_CLASS_PUNCT,
	[KEY_KP1... KEY_KP0] = EVTAP_CLASS_DIGIT,
	[KEY_KPDOT] = EVTAP_CLASS_PUNCT,
	[KEY_KPDOT + 1 ... KEY_ZENKAKUHANKAKU] = EVTAP_CLASS_OTHER,
	[KEY_102ND] = EVTAP_CLASS_PUNCT, /* the ISO key left of Z */
	[KEY_F11... KEY_F12] = EVTAP_CLASS_FUNCTION,
	[KEY_RO... KEY_KPJPCOMMA] = EVTAP_CLASS_OTHER,
	[KEY_KPENTER] = EVTAP_CLASS_ENTER,
	[KEY_RIGHTCTRL] = EVTAP_CLASS_MODIFIER,
	[KEY_KPSLASH] = EVTAP_CLASS_PUNCT,
	[KEY_SYSRQ] = EVTAP_CLASS_OTHER,
	[KEY_RIGHTALT] = EVTAP_CLASS_MODIFIER,
	[KEY_LINEFEED] = EVTAP_CLASS_OTHER,
	[KEY_HOME... KEY_INSERT] = EVTAP_CLASS_NAVIGATION, /* arrows, page up/down, end */
	[KEY_DELETE] = EVTAP_CLASS_DELETE,
	[KEY_MACRO... KEY_POWER] = EVTAP_CLASS_OTHER,
	[KEY_KPEQUAL... KEY_KPPLUSMINUS] = EVTAP_CLASS_PUNCT,
	[KEY_PAUSE... KEY_SCALE] = EVTAP_CLASS_OTHER,
	[KEY_KPCOMMA] = EVTAP_CLASS_PUNCT,
	[KEY_HANGEUL... KEY_YEN] = EVTAP_CLASS_OTHER,
	[KEY_LEFTMETA... KEY_COMPOSE] = EVTAP_CLASS_MODIFIER,
	[KEY_STOP... KEY_KPLEFTPAREN - 1] = EVTAP_CLASS_OTHER,
	[KEY_KPLEFTPAREN... KEY_KPRIGHTPAREN] = EVTAP_CLASS_PUNCT,
	[KEY_NEW... KEY_REDO] = EVTAP_CLASS_OTHER,
	[KEY_F13... KEY_F24] = EVTAP_CLASS_FUNCTION,
	[KEY_F24 + 1 ... BTN_MISC - 1] = EVTAP_CLASS_OTHER,
};

/* The class of a key (not button) code; always below EVTAP_CLASS_MAX. */
static __always_inline __u32 evtap_key_class(__u32 code)
{
	if (code < BTN_MISC)
		return evtap_key_classes[code];
	return code == KEY_FN ? EVTAP_CLASS_MODIFIER : EVTAP_CLASS_OTHER;
}

#endif /* EVTAP_KEYCLASS_BPF_H */
