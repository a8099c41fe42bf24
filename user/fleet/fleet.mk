# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Fleet mode (docs/FLEET.md): libevtapfleet.a, the evtap-fleet program, its unit tests and the
# NATS test client, built under $(BUILD)/fleet/. Included by the top Makefile.

FLEET_CFLAGS := -Iuser/fleet $(shell pkg-config --cflags libnats)
FLEET_LIBS := $(shell pkg-config --libs libnats) -lcrypt

FLEET_LIB_OBJS := $(patsubst user/fleet/%.c,$(BUILD)/fleet/lib/%.o,$(wildcard user/fleet/*.c))
FLEET_LIB_HDRS := $(wildcard user/fleet/*.h)
FLEET_CTL_OBJS := $(patsubst user/fleetctl/%.c,$(BUILD)/fleet/ctl/%.o,$(wildcard user/fleetctl/*.c))
FLEET_CTL_HDRS := $(wildcard user/fleetctl/*.h)
FLEET_ARCHIVE := $(BUILD)/fleet/libevtapfleet.a

$(BUILD)/fleet/lib/%.o: user/fleet/%.c $(FLEET_LIB_HDRS) $(USER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(FLEET_CFLAGS) -c $< -o $@

$(FLEET_ARCHIVE): $(FLEET_LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/fleet/ctl/%.o: user/fleetctl/%.c $(FLEET_CTL_HDRS) $(FLEET_LIB_HDRS) $(USER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(FLEET_CFLAGS) -Iuser/fleetctl -c $< -o $@

$(BUILD)/evtap-fleet: $(FLEET_CTL_OBJS) $(FLEET_ARCHIVE) $(BUILD)/libevtap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(FLEET_LIBS)

# The one-operation NATS client that tests/fleet/run.sh drives.
$(BUILD)/fleet/evtap-fleet-op: tests/fleet/fleetop.c $(FLEET_ARCHIVE) $(BUILD)/libevtap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(FLEET_CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS) $(FLEET_LIBS)

# The fleet unit tests live in tests/unit/ with the others; this rule, with its shorter stem,
# wins over the generic one and adds the fleet library.
$(BUILD)/tests/test_fleet_%: tests/unit/test_fleet_%.c tests/check.h $(FLEET_ARCHIVE) \
		$(BUILD)/libevtap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(FLEET_CFLAGS) -Itests -o $@ $< $(FLEET_ARCHIVE) $(BUILD)/libevtap.a \
		$(LDFLAGS) $(LDLIBS) $(FLEET_LIBS)

.PHONY: test-fleet
test-fleet: $(BUILD)/evtap-fleet $(BUILD)/fleet/evtap-fleet-op
