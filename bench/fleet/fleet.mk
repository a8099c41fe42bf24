# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The fleet benchmark (bench/fleet/run.sh, part of make bench-fleet): simulated agents, each
# the shipper's own code (every shipd object but its main) over a real store. Included by the
# top Makefile.

BENCH_FLEET := $(BUILD)/bench-host/evtap-bench-fleet

$(BENCH_FLEET): $(wildcard bench/fleet/*.c bench/fleet/*.h) \
		$(filter-out %/main.o,$(call objs_of,$(SHIPD_SRCS))) \
		$(BUILD)/libevtapfleet.a $(BUILD)/libevtap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SHIPD_INC) -Ibench/fleet -o $@ $(filter %.c %.o %.a,$^) \
		$(LDFLAGS) $(FLEET_LIBS) $(LIB_LIBS) -lpthread

.PHONY: bench-fleet-agents
bench-fleet-agents: $(BENCH_FLEET) $(BUILD)/evtap-fleet $(BUILD)/fleet/evtap-fleet-op
	./bench/fleet/run.sh

bench-fleet: bench-fleet-agents

# Its unit test (in UNIT_TESTS by the tests/unit wildcard), with the mix it checks.
$(BUILD)/tests/test_bench_mix: tests/unit/test_bench_mix.c tests/check.h bench/fleet/mix.c \
			       bench/fleet/mix.h $(BUILD)/libevtap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LIB_INC) -Itests -Ibench/fleet -o $@ $< bench/fleet/mix.c \
		$(BUILD)/libevtap.a $(LDFLAGS) $(LIB_LIBS)
