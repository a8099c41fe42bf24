# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# evtap-erase (docs/FLEET.md, "Forget"): the eraser role, above the fleet layer and the
# library; no key, no store, no daemon. Included by the top Makefile.

ERASER_INC := $(FLEET_INC) -Iuser/eraser
ERASER_SRCS := $(call srcs_of,eraser)

$(BUILD)/obj/eraser/%.o: user/eraser/%.c | $(BUILD)/gen/codenames.gen.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(ERASER_INC) -c $< -o $@

$(BUILD)/evtap-erase: $(call objs_of,$(ERASER_SRCS)) $(BUILD)/libevtapfleet.a $(BUILD)/libevtap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(FLEET_LIBS) $(LIB_LIBS)

all: $(BUILD)/evtap-erase
