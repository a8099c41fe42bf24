# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The fleet-ship suite's programs (tests/fleet/ship.sh): a store writer and a client that reads
# the streams back. Included by the top Makefile.

SHIP_TESTS := $(BUILD)/tests/evtap-ship-gen $(BUILD)/tests/evtap-ship-check \
	$(BUILD)/tests/test_ship_flights

$(BUILD)/tests/evtap-ship-gen: tests/fleet/ship_gen.c $(BUILD)/libevtapfleet.a $(BUILD)/libevtap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(FLEET_INC) -o $@ $< $(BUILD)/libevtapfleet.a $(BUILD)/libevtap.a \
		$(LDFLAGS) $(LIB_LIBS)

$(BUILD)/tests/evtap-ship-check: tests/fleet/ship_check.c $(BUILD)/libevtapfleet.a \
				 $(BUILD)/libevtap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(FLEET_INC) -o $@ $< $(BUILD)/libevtapfleet.a $(BUILD)/libevtap.a \
		$(LDFLAGS) $(FLEET_LIBS) $(LIB_LIBS)

# The shipper's own parts, linked without its main.
$(BUILD)/tests/test_ship_flights: tests/fleet/test_ship_flights.c tests/check.h \
				  $(filter-out %/main.o,$(call objs_of,$(SHIPD_SRCS))) \
				  $(BUILD)/libevtapfleet.a $(BUILD)/libevtap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SHIPD_INC) -Itests -o $@ $< $(filter %.o %.a,$(wordlist 3,999,$^)) \
		$(LDFLAGS) $(FLEET_LIBS) $(LIB_LIBS) -lpthread

test-fleet: $(BUILD)/evtap-shipd $(SHIP_TESTS)
