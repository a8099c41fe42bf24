# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Fleet mode (docs/FLEET.md): the fleet layer, libevtapfleet.a (the [fleet] section, pseudonyms,
# NATS names, credentials, the connection helper), above the library and beside the kernel
# layer; the fleet programs link it. Included by the top Makefile.

FLEET_INC := $(LIB_INC) -Iuser/fleet $(shell pkg-config --cflags libnats)
FLEET_LIBS := $(shell pkg-config --libs libnats) -lcrypt -linih

FLEET_SRCS := $(call srcs_of,fleet)

$(BUILD)/obj/fleet/%.o: user/fleet/%.c | $(BUILD)/gen/codenames.gen.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(FLEET_INC) -c $< -o $@

$(BUILD)/libevtapfleet.a: $(call objs_of,$(FLEET_SRCS))
	rm -f $@
	$(AR) rcs $@ $^

# The fleet layer's unit tests live in tests/unit/ with the library's; this rule, with its
# longer prefix, wins over the generic one and adds the fleet layer.
$(BUILD)/tests/test_fleet_%: tests/unit/test_fleet_%.c tests/check.h $(BUILD)/libevtapfleet.a \
			     $(BUILD)/libevtap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(FLEET_INC) -Itests -o $@ $< $(BUILD)/libevtapfleet.a $(BUILD)/libevtap.a \
		$(LDFLAGS) $(FLEET_LIBS) $(LIB_LIBS)

# evtap-fleet (user/fleetctl/): set-up, policy and status of a fleet.
FLEETCTL_SRCS := $(call srcs_of,fleetctl)
$(BUILD)/obj/fleetctl/%.o: user/fleetctl/%.c | $(BUILD)/gen/codenames.gen.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(FLEET_INC) -Iuser/fleetctl -c $< -o $@

$(BUILD)/evtap-fleet: $(call objs_of,$(FLEETCTL_SRCS)) $(BUILD)/libevtapfleet.a $(BUILD)/libevtap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(FLEET_LIBS) $(LIB_LIBS)

# The one-operation NATS client that tests/fleet/run.sh drives.
$(BUILD)/fleet/evtap-fleet-op: tests/fleet/fleetop.c $(BUILD)/libevtapfleet.a $(BUILD)/libevtap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(FLEET_INC) -o $@ $^ $(LDFLAGS) $(FLEET_LIBS) $(LIB_LIBS)
