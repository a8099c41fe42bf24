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
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE \
	  -Iinclude -Iuser -I$(BUILD) $(SAN_FLAGS)
LDFLAGS += $(SAN_FLAGS)
LDLIBS := -lbpf -lelf -lz -lsodium -linih -ljson-c -lsystemd -lcap-ng
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -Iinclude -I$(BUILD)

BPF_PROGS := evtap evtap_test
BPF_HDRS := $(wildcard bpf/*.h include/*.h)
SKELS := $(patsubst %,$(BUILD)/%.skel.h,$(BPF_PROGS))

# Every user/*.c but the two mains goes into one static library that the binaries and the
# tests link against, so that a test exercises exactly the code that ships.
MAINS := user/evtapd.c user/evtap.c
LIB_SRCS := $(filter-out $(MAINS),$(wildcard user/*.c))
LIB_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(LIB_SRCS))
USER_HDRS := $(wildcard user/*.h include/*.h)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
BPF_TESTS := $(patsubst tests/bpf/%.c,$(BUILD)/tests/%,$(wildcard tests/bpf/test_*.c))

.PHONY: all deps test test-unit test-asan test-bpf test-fuzz test-vm demo bench clean format install deb
all: $(BUILD)/evtapd $(BUILD)/evtap $(BUILD)/evtap-inject $(BUILD)/evtap-drmclient

deps:
	./tests/deps.sh

$(BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(BUILD)/codenames.gen.h: user/codenames.sh /usr/include/linux/input-event-codes.h
	@mkdir -p $(@D)
	./user/codenames.sh > $@.tmp && mv $@.tmp $@

$(BUILD)/user/%.o: user/%.c $(USER_HDRS) $(SKELS) $(BUILD)/codenames.gen.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

# Made anew, so that the object of a removed source does not linger in the archive.
$(BUILD)/libevtap.a: $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/evtapd: $(BUILD)/user/evtapd.o $(BUILD)/libevtap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/evtap: $(BUILD)/user/evtap.o $(BUILD)/libevtap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The small DRM client that the display VM tests drive.
$(BUILD)/evtap-drmclient: tests/drmclient.c
	$(CC) $(CFLAGS) $(shell pkg-config --cflags libdrm) -o $@ $< $(LDFLAGS) -ldrm

# The uinput injector that the VM tests drive.
$(BUILD)/evtap-inject: tests/inject.c $(BUILD)/libevtap.a
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libevtap.a $(LDFLAGS) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/check.h $(BUILD)/libevtap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests -o $@ $< $(BUILD)/libevtap.a $(LDFLAGS) $(LDLIBS)

$(BUILD)/tests/%: tests/bpf/%.c tests/check.h $(BUILD)/libevtap.a $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests -o $@ $< $(BUILD)/libevtap.a $(LDFLAGS) $(LDLIBS)

# Tests: each suite prints PASS/FAIL lines; tests/run counts them and prints the summary.
test:
	./tests/deps.sh
	./tests/run

test-unit: $(UNIT_TESTS)
test-bpf: $(BPF_TESTS)

include tests/fuzz/fuzz.mk

demo:
	./tests/deps.sh
	$(MAKE) all
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

$(BUILD)/bench/evtap-bench-floor: bench/floor.c $(BUILD)/bench/empty.skel.h \
	$(BUILD)/bench/bare.skel.h
	$(CC) $(CFLAGS) -I$(BUILD)/bench -o $@ $< $(LDFLAGS) -lbpf -lelf -lz

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
	install -D -m 0644 systemd/evtapd.service $(DESTDIR)$(UNITDIR)/evtapd.service
	sed -i 's|^ExecStart=/usr/sbin/evtapd|ExecStart=$(PREFIX)/sbin/evtapd|' \
		$(DESTDIR)$(UNITDIR)/evtapd.service
	test -e $(DESTDIR)/etc/evtap/evtap.conf || \
		install -D -m 0644 docs/evtap.conf $(DESTDIR)/etc/evtap/evtap.conf
	install -D -m 0644 docs/evtapd.8 $(DESTDIR)$(PREFIX)/share/man/man8/evtapd.8
	install -D -m 0644 docs/evtap.1 $(DESTDIR)$(PREFIX)/share/man/man1/evtap.1
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
	clang-format -i bpf/*.c bpf/*.h include/*.h user/*.c user/*.h tests/*/*.c bench/*.c

clean:
	rm -rf build
