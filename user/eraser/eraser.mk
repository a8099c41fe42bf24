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

install: install-eraser
install-eraser: all
	install -D -m 0755 $(BUILD)/evtap-erase $(DESTDIR)$(PREFIX)/sbin/evtap-erase
	install -D -m 0644 systemd/evtap-erase.service $(DESTDIR)$(UNITDIR)/evtap-erase.service
	sed -i 's|^ExecStart=/usr/sbin/evtap-erase|ExecStart=$(PREFIX)/sbin/evtap-erase|' \
		$(DESTDIR)$(UNITDIR)/evtap-erase.service
	install -D -m 0644 systemd/evtap-erase.sysusers \
		$(DESTDIR)$(PREFIX)/lib/sysusers.d/evtap-erase.conf
	install -D -m 0644 docs/evtap-erase.8 $(DESTDIR)$(PREFIX)/share/man/man8/evtap-erase.8
.PHONY: install-eraser
