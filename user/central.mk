# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The central side of a fleet (docs/FLEET.md, "The custodian", "The pipeline"): evtap-custodian
# (user/custodian/) and evtap-pull (user/pull/), each above the fleet layer and the library.
# Included by the top Makefile.

CUSTODIAN_SRCS := $(call srcs_of,custodian)
PULL_SRCS := $(call srcs_of,pull)

$(BUILD)/obj/custodian/%.o: user/custodian/%.c | $(BUILD)/gen/codenames.gen.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(FLEET_INC) -Iuser/custodian -c $< -o $@

$(BUILD)/obj/pull/%.o: user/pull/%.c | $(BUILD)/gen/codenames.gen.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(FLEET_INC) -Iuser/pull -c $< -o $@

$(BUILD)/evtap-custodian: $(call objs_of,$(CUSTODIAN_SRCS)) $(BUILD)/libevtapfleet.a \
			  $(BUILD)/libevtap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(FLEET_LIBS) $(LIB_LIBS)

$(BUILD)/evtap-pull: $(call objs_of,$(PULL_SRCS)) $(BUILD)/libevtapfleet.a $(BUILD)/libevtap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(FLEET_LIBS) $(LIB_LIBS)

all: $(BUILD)/evtap-custodian $(BUILD)/evtap-pull

# The central suite's publisher (tests/fleet/central.sh): sealed blocks and keys as an agent.
$(BUILD)/tests/evtap-central-pub: tests/fleet/central_pub.c $(BUILD)/libevtapfleet.a \
				  $(BUILD)/libevtap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(FLEET_INC) -o $@ $< $(BUILD)/libevtapfleet.a $(BUILD)/libevtap.a \
		$(LDFLAGS) $(FLEET_LIBS) $(LIB_LIBS)

test-fleet-central: $(BUILD)/evtap-custodian $(BUILD)/evtap-pull $(BUILD)/evtap-fleet \
		    $(BUILD)/evtap-erase $(BUILD)/fleet/evtap-fleet-op $(BUILD)/tests/evtap-central-pub \
		    $(BUILD)/evtap $(BUILD)/fleet-tests/evtap-syncdrive \
		    $(BUILD)/fleet-tests/evtap-test-hostd
.PHONY: test-fleet-central

install: install-central
install-central: all
	install -D -m 0755 $(BUILD)/evtap-custodian $(DESTDIR)$(PREFIX)/sbin/evtap-custodian
	install -D -m 0755 $(BUILD)/evtap-pull $(DESTDIR)$(PREFIX)/bin/evtap-pull
	install -D -m 0644 systemd/evtap-custodian.service \
		$(DESTDIR)$(UNITDIR)/evtap-custodian.service
	sed -i 's|^ExecStart=/usr/sbin/evtap-custodian|ExecStart=$(PREFIX)/sbin/evtap-custodian|' \
		$(DESTDIR)$(UNITDIR)/evtap-custodian.service
	install -D -m 0644 systemd/evtap-custodian.sysusers \
		$(DESTDIR)$(PREFIX)/lib/sysusers.d/evtap-custodian.conf
	install -D -m 0644 docs/evtap-custodian.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/evtap-custodian.8
	install -D -m 0644 docs/evtap-pull.1 $(DESTDIR)$(PREFIX)/share/man/man1/evtap-pull.1
.PHONY: install-central

# The central benchmark (bench/central.sh, make bench-fleet): the consumer's decrypt-verify-write
# path over every pull object but its main, and the custodian's release latency over NATS.
PULL_LIB_OBJS := $(call objs_of,$(filter-out user/pull/main.c,$(PULL_SRCS)))
$(BUILD)/bench/evtap-bench-pull: bench/pull_bench.c $(PULL_LIB_OBJS) $(BUILD)/libevtapfleet.a \
				 $(BUILD)/libevtap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(FLEET_INC) -Iuser/pull -o $@ $^ $(LDFLAGS) $(FLEET_LIBS) $(LIB_LIBS)

$(BUILD)/bench/evtap-bench-release: bench/release_bench.c $(BUILD)/libevtapfleet.a \
				    $(BUILD)/libevtap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(FLEET_INC) -o $@ $^ $(LDFLAGS) $(FLEET_LIBS) $(LIB_LIBS)

bench-fleet: $(BUILD)/bench/evtap-bench-pull $(BUILD)/bench/evtap-bench-release \
	     $(BUILD)/evtap-custodian $(BUILD)/evtap-fleet $(BUILD)/fleet/evtap-fleet-op
	./bench/central.sh
.PHONY: bench-fleet
