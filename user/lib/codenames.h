/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef EVTAP_CODENAMES_H
#define EVTAP_CODENAMES_H

/* The kernel's name of an input code for a record kind (KEY_A, BTN_LEFT, ABS_X), or NULL. */
const char *evtap_code_name(int kind, unsigned int code);

#endif /* EVTAP_CODENAMES_H */
