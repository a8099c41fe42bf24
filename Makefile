# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# evtap: `make` builds, `make test` runs every test, `make demo` runs the demo in the VM.

# SANITIZE=1 builds userspace with AddressSanitizer and UBSan into build/asan.
SANITIZE ?=
ifeq ($(SANITIZE),1)
BUILD ?= build/asan
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
else
BUILD ?= build
SAN_FLAGS :=
endif

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
LLVM_STRIP ?= llvm-strip
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wswitch-enum -D_GNU_SOURCE \
	  -MMD -MP $(SAN_FLAGS)
LDFLAGS += $(SAN_FLAGS)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -Iinclude -I$(BUILD)

# user/ holds one folder per layer and per program; each folder's objects see only the headers
# of its own layer and the layers below it (docs/ARCHITECTURE.md):
#   lib     libevtap.a: the store, its formats, the socket protocol, names, clock, log
#   kernel  libevtap-kernel.a: the only code that sees the BPF skeleton
#   evtapd  the daemon (libevtapd.a, and its main); it reads the [fleet] section with the
#           fleet layer's table (libevtapfleet.a, user/fleet/fleet.mk), and needs no libnats
#   shipd   evtap-shipd, the fleet shipper (user/shipd/shipd.mk)
#   evtap   the CLI
# Headers are found by name, so the include path is what keeps a layer from reaching up.
LIB_INC := -Iinclude -Iuser/lib -I$(BUILD)/gen
KERNEL_INC := $(LIB_INC) -Iuser/kernel -I$(BUILD)/skel
EVTAPD_INC := $(LIB_INC) -Iuser/kernel -Iuser/fleet -Iuser/evtapd
EVTAP_INC := $(LIB_INC) -Iuser/evtap
LIB_LIBS := -lz -lsodium -ljson-c
KERNEL_LIBS := -lbpf -lelf -lz
EVTAPD_LIBS := -linih -lsystemd -lcap-ng -lmicrohttpd

BPF_PROGS := evtap evtap_test
SKELS := $(patsubst %,$(BUILD)/skel/%.skel.h,$(BPF_PROGS))

srcs_of = $(wildcard user/$(1)/*.c)
objs_of = $(patsubst user/%.c,$(BUILD)/obj/%.o,$(1))
LIB_SRCS := $(call srcs_of,lib)
KERNEL_SRCS := $(call srcs_of,kernel)
EVTAPD_SRCS := $(filter-out user/evtapd/evtapd.c,$(call srcs_of,evtapd))
EVTAP_SRCS := $(call srcs_of,evtap)
UNIT_TESTS := $(patsubst %.c,$(BUILD)/tests/%,$(notdir $(wildcard tests/unit/test_*.c \
	tests/daemon/test_*.c tests/cli/test_*.c)))
BPF_TESTS := $(patsubst tests/bpf/%.c,$(BUILD)/tests/%,$(wildcard tests/bpf/test_*.c))

.PHONY: all deps test test-unit test-fleet test-asan test-bpf test-fuzz test-vm demo bench clean \
	format install deb
all: $(BUILD)/evtapd $(BUILD)/evtap $(BUILD)/evtap-fleet $(BUILD)/evtap-shipd $(BUILD)/evtap-inject \
	$(BUILD)/evtap-drmclient

deps:
	./tests/deps.sh

$(BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h include/*.h) $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/skel/%.skel.h: $(BUILD)/%.bpf.o
	@mkdir -p $(@D)
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/codenames.gen.h: user/lib/codenames.sh /usr/include/linux/input-event-codes.h
	@mkdir -p $(@D)
	./user/lib/codenames.sh > $@.tmp && mv $@.tmp $@

# Header dependencies come from the compiler (-MMD); the generated headers must exist before
# the first compile, so they are order-only here and real dependencies in the .d files.
$(BUILD)/obj/lib/%.o: user/lib/%.c | $(BUILD)/gen/codenames.gen.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LIB_INC) -c $< -o $@

$(BUILD)/obj/kernel/%.o: user/kernel/%.c | $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(KERNEL_INC) -c $< -o $@

$(BUILD)/obj/evtapd/%.o: user/evtapd/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(EVTAPD_INC) -c $< -o $@

$(BUILD)/obj/evtap/%.o: user/evtap/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(EVTAP_INC) -c $< -o $@

-include $(wildcard $(BUILD)/obj/*/*.d $(BUILD)/tests/*.d)

# Archives are made anew, so that the object of a removed source does not linger in one.
$(BUILD)/libevtap.a: $(call objs_of,$(LIB_SRCS))
$(BUILD)/libevtap-kernel.a: $(call objs_of,$(KERNEL_SRCS))
$(BUILD)/libevtapd.a: $(call objs_of,$(EVTAPD_SRCS))
$(BUILD)/libevtap.a $(BUILD)/libevtap-kernel.a $(BUILD)/libevtapd.a:
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/evtapd: $(BUILD)/obj/evtapd/evtapd.o $(BUILD)/libevtapd.a $(BUILD)/libevtap-kernel.a \
		 $(BUILD)/libevtapfleet.a $(BUILD)/libevtap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(EVTAPD_LIBS) $(KERNEL_LIBS) $(LIB_LIBS)

$(BUILD)/evtap: $(call objs_of,$(EVTAP_SRCS)) $(BUILD)/libevtap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIB_LIBS)

# The small DRM client that the display VM tests drive.
$(BUILD)/evtap-drmclient: tests/drmclient.c
	$(CC) $(CFLAGS) $(shell pkg-config --cflags libdrm) -o $@ $< $(LDFLAGS) -ldrm

# The uinput injector that the VM tests drive.
$(BUILD)/evtap-inject: tests/inject.c $(BUILD)/libevtap.a
	$(CC) $(CFLAGS) $(LIB_INC) -o $@ $< $(BUILD)/libevtap.a $(LDFLAGS) $(LIB_LIBS)

# Unit tests link what they test: tests/unit/ the library alone; tests/daemon/ the daemon over
# the kernel layer's test double (tests/double/) instead of the real kernel layer's skeleton
# code, whose other parts (kpath, probe) come from its archive after the double; the daemon
# tests share their harness (tests/daemon/harness.c: a daemon in a temporary directory, callers
# of any uid).
DOUBLE_SRCS := $(wildcard tests/double/*.c)
HARNESS_SRCS := tests/daemon/harness.c
$(BUILD)/tests/%: tests/unit/%.c tests/check.h $(BUILD)/libevtap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LIB_INC) -Itests -o $@ $< $(BUILD)/libevtap.a $(LDFLAGS) $(LIB_LIBS)

$(BUILD)/tests/%: tests/daemon/%.c tests/check.h $(DOUBLE_SRCS) $(HARNESS_SRCS) \
		  $(BUILD)/libevtapd.a $(BUILD)/libevtap-kernel.a $(BUILD)/libevtapfleet.a \
		  $(BUILD)/libevtap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(EVTAPD_INC) -Itests -Itests/double -o $@ $< $(DOUBLE_SRCS) \
		$(HARNESS_SRCS) $(BUILD)/libevtapd.a $(BUILD)/libevtap-kernel.a \
		$(BUILD)/libevtapfleet.a $(BUILD)/libevtap.a $(LDFLAGS) $(EVTAPD_LIBS) $(KERNEL_LIBS) \
		$(LIB_LIBS)

# tests/cli/: the CLI's code (all of user/evtap/ but its main) over the library.
EVTAP_TEST_OBJS := $(call objs_of,$(filter-out user/evtap/evtap.c,$(EVTAP_SRCS)))
$(BUILD)/tests/%: tests/cli/%.c tests/check.h $(EVTAP_TEST_OBJS) $(BUILD)/libevtap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(EVTAP_INC) -Itests -o $@ $< $(EVTAP_TEST_OBJS) $(BUILD)/libevtap.a \
		$(LDFLAGS) $(LIB_LIBS)

$(BUILD)/tests/%: tests/bpf/%.c tests/check.h $(BUILD)/libevtap-kernel.a $(BUILD)/libevtap.a \
		  | $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(KERNEL_INC) -Itests -o $@ $< $(BUILD)/libevtap-kernel.a \
		$(BUILD)/libevtap.a $(LDFLAGS) $(KERNEL_LIBS) $(LIB_LIBS)

# Tests: each suite prints PASS/FAIL lines; tests/run counts them and prints the summary.
test:
	./tests/deps.sh
	./tests/run

test-unit: $(UNIT_TESTS)
test-bpf: $(BPF_TESTS)

include tests/fuzz/fuzz.mk
include user/fleet/fleet.mk
include user/shipd/shipd.mk
include user/eraser/eraser.mk
include user/central.mk
include tests/fleet/sync.mk
include tests/fleet/ship.mk
include bench/fleet/fleet.mk

# The demo's fleet part reads the broker with the fleet suite's one-operation client.
demo:
	./tests/deps.sh
	$(MAKE) all $(BUILD)/fleet/evtap-fleet-op
	./vmtest/demo

# The benchmark's programs, in build/bench/ so that the VM ships them on PATH; evtest is
# Debian's, copied so that the VM ships it and its libraries too. The QEMU plugin runs on the
# host, so it stays out of build/bench/.
BENCH_BINS := $(addprefix $(BUILD)/bench/,evtap-bench-gen evtap-bench-reader evtap-bench-floor \
	evtap-bench-mark evtest)
BENCH_PLUGIN := $(BUILD)/bench-host/evtap-insncount.so

$(BUILD)/bench/evtap-bench-gen: bench/gen.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS) -lpthread

$(BUILD)/bench/evtap-bench-reader: bench/evdev_reader.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(BUILD)/bench/evtap-bench-mark: bench/mark.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(BUILD)/bench/%.bpf.o: bench/%.bpf.c include/evtap.h $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench/%.skel.h: $(BUILD)/bench/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(BUILD)/bench/evtap-bench-floor: bench/floor.c $(BUILD)/bench/empty.skel.h \
	$(BUILD)/bench/bare.skel.h
	$(CC) $(CFLAGS) -Iinclude -I$(BUILD)/bench -o $@ $< $(LDFLAGS) -lbpf -lelf -lz

$(BENCH_PLUGIN): bench/insncount.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -shared -fvisibility=hidden -o $@ $<

$(BUILD)/bench/evtest: /usr/bin/evtest
	@mkdir -p $(@D)
	cp $< $@

bench: all $(BENCH_BINS) $(BENCH_PLUGIN)
	./bench/run

# make install [DESTDIR=...] [PREFIX=/usr]: the binaries, the systemd unit, the sample
# configuration (kept if one is already there) and the man pages.
PREFIX ?= /usr
DESTDIR ?=
UNITDIR ?= /lib/systemd/system
install: all
	install -D -m 0755 $(BUILD)/evtapd $(DESTDIR)$(PREFIX)/sbin/evtapd
	install -D -m 0755 $(BUILD)/evtap $(DESTDIR)$(PREFIX)/bin/evtap
	install -D -m 0755 $(BUILD)/evtap-fleet $(DESTDIR)$(PREFIX)/bin/evtap-fleet
	install -D -m 0755 $(BUILD)/evtap-shipd $(DESTDIR)$(PREFIX)/sbin/evtap-shipd
	install -D -m 0644 systemd/evtapd.service $(DESTDIR)$(UNITDIR)/evtapd.service
	sed -i 's|^ExecStart=/usr/sbin/evtapd|ExecStart=$(PREFIX)/sbin/evtapd|' \
		$(DESTDIR)$(UNITDIR)/evtapd.service
	install -D -m 0644 systemd/evtap-shipd.service $(DESTDIR)$(UNITDIR)/evtap-shipd.service
	sed -i 's|^ExecStart=/usr/sbin/evtap-shipd|ExecStart=$(PREFIX)/sbin/evtap-shipd|' \
		$(DESTDIR)$(UNITDIR)/evtap-shipd.service
	install -D -m 0644 systemd/evtapd.service.d/fleet.conf \
		$(DESTDIR)$(UNITDIR)/evtapd.service.d/fleet.conf
	install -D -m 0644 systemd/evtap-ship.sysusers \
		$(DESTDIR)$(PREFIX)/lib/sysusers.d/evtap-ship.conf
	test -e $(DESTDIR)/etc/evtap/evtap.conf || \
		install -D -m 0644 docs/evtap.conf $(DESTDIR)/etc/evtap/evtap.conf
	install -D -m 0644 docs/evtapd.8 $(DESTDIR)$(PREFIX)/share/man/man8/evtapd.8
	install -D -m 0644 docs/evtap-shipd.8 $(DESTDIR)$(PREFIX)/share/man/man8/evtap-shipd.8
	install -D -m 0644 docs/evtap.1 $(DESTDIR)$(PREFIX)/share/man/man1/evtap.1
	install -D -m 0644 docs/evtap-fleet.1 $(DESTDIR)$(PREFIX)/share/man/man1/evtap-fleet.1
	install -D -m 0644 docs/evtap.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/evtap.conf.5

# make deb: the Debian package (debian/), built by dpkg-buildpackage in a copy of the tree
# (build/deb/src, without build/ and .git) so that nothing lands in the clone:
# build/deb/evtap_VERSION_ARCH.deb. See docs/OPERATIONS.md, "Packaging".
DEB_VERSION = $(shell dpkg-parsechangelog -l debian/changelog -S Version)
DEB_ARCH = $(shell dpkg --print-architecture)
deb:
	rm -rf build/deb
	mkdir -p build/deb/src
	tar -c --exclude=./build --exclude=./.git --exclude=./.ci . | tar -x -C build/deb/src
	cd build/deb/src && DEB_BUILD_OPTIONS="parallel=$$(nproc) $$DEB_BUILD_OPTIONS" \
		dpkg-buildpackage -us -uc -b >../build.log 2>&1 || { tail -n 40 ../build.log; exit 1; }
	rm -rf build/deb/src
	@echo "build/deb/evtap_$(DEB_VERSION)_$(DEB_ARCH).deb"

format:
	clang-format -i bpf/*.c bpf/*.h include/*.h user/*/*.c user/*/*.h tests/*/*.c bench/*.c

clean:
	rm -rf build
