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
LDLIBS := -lbpf -lelf -lz -lsodium -linih -ljson-c -lsystemd
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

.PHONY: all deps test test-unit test-asan test-bpf test-fuzz test-vm demo bench clean format
all: $(BUILD)/evtapd $(BUILD)/evtap $(BUILD)/evtap-inject

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

$(BUILD)/libevtap.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/evtapd: $(BUILD)/user/evtapd.o $(BUILD)/libevtap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/evtap: $(BUILD)/user/evtap.o $(BUILD)/libevtap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

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

bench: all
	./bench/run

format:
	clang-format -i bpf/*.c bpf/*.h include/*.h user/*.c user/*.h tests/*/*.c

clean:
	rm -rf build
