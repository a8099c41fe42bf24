# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# evtap-shipd (docs/FLEET.md): above the fleet layer and the library, never the kernel layer
# or the daemon: it holds no CAP_BPF and reads the store raw. Included by the top Makefile.

SHIPD_INC := $(FLEET_INC) -Iuser/shipd
SHIPD_SRCS := $(call srcs_of,shipd)

$(BUILD)/obj/shipd/%.o: user/shipd/%.c | $(BUILD)/gen/codenames.gen.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SHIPD_INC) -c $< -o $@

$(BUILD)/evtap-shipd: $(call objs_of,$(SHIPD_SRCS)) $(BUILD)/libevtapfleet.a $(BUILD)/libevtap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(FLEET_LIBS) $(LIB_LIBS) -lpthread

# The heartbeat's value (tests/unit/test_ship_heartbeat.c), over the shipper's parts without
# its main; this rule, with its longer prefix, wins over the generic one for tests/unit/.
$(BUILD)/tests/test_ship_%: tests/unit/test_ship_%.c tests/check.h \
			    $(filter-out %/main.o,$(call objs_of,$(SHIPD_SRCS))) \
			    $(BUILD)/libevtapfleet.a $(BUILD)/libevtap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SHIPD_INC) -Itests -o $@ $< $(filter %.o %.a,$^) $(LDFLAGS) \
		$(FLEET_LIBS) $(LIB_LIBS) -lpthread
