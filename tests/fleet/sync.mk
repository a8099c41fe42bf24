# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The fleet consent and policy suites' programs (tests/fleet/consent.sh, policy.sh, and
# tests/fleet/central.sh's access log): the driver of shipd's sync modules (consent sync,
# forget, policy, the access log's mirror), and one evtapd over the kernel layer's double per
# machine. Included by the top Makefile.

SYNC_OBJS := $(call objs_of,user/shipd/sync.c user/shipd/consent_sync.c user/shipd/forget.c \
	user/shipd/policy_sync.c user/shipd/access_log.c)

$(BUILD)/fleet-tests/evtap-syncdrive: tests/fleet/syncdrive.c $(SYNC_OBJS) \
				      $(BUILD)/libevtapfleet.a $(BUILD)/libevtap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SHIPD_INC) -o $@ $^ $(LDFLAGS) $(FLEET_LIBS) $(LIB_LIBS)

$(BUILD)/fleet-tests/evtap-test-hostd: tests/fleet/hostd.c $(DOUBLE_SRCS) $(HARNESS_SRCS) \
				       $(BUILD)/libevtapd.a $(BUILD)/libevtap-kernel.a \
				       $(BUILD)/libevtapfleet.a $(BUILD)/libevtap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(EVTAPD_INC) -Itests -Itests/double -Itests/daemon -o $@ $< \
		$(DOUBLE_SRCS) $(HARNESS_SRCS) $(BUILD)/libevtapd.a $(BUILD)/libevtap-kernel.a \
		$(BUILD)/libevtapfleet.a $(BUILD)/libevtap.a \
		$(LDFLAGS) $(EVTAPD_LIBS) $(KERNEL_LIBS) $(LIB_LIBS)

.PHONY: test-fleet-consent
test-fleet-consent: $(BUILD)/fleet-tests/evtap-syncdrive $(BUILD)/fleet-tests/evtap-test-hostd \
		    $(BUILD)/evtap $(BUILD)/evtap-erase

# The fleet policy suite (tests/fleet/policy.sh): the same machines, and evtap-fleet to set
# the policy with.
.PHONY: test-fleet-policy
test-fleet-policy: test-fleet-consent $(BUILD)/evtap-fleet $(BUILD)/fleet/evtap-fleet-op

# The fleet-health suite (tests/fleet/health.sh): the real shipper and evtap-fleet, one evtapd
# over the double, and the stream's reader of the fleet-ship suite.
.PHONY: test-fleet-health
test-fleet-health: $(BUILD)/fleet-tests/evtap-test-hostd $(BUILD)/evtap-shipd $(BUILD)/evtap-fleet \
		   $(BUILD)/evtap $(BUILD)/tests/evtap-ship-check
