# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Fuzz targets, included by the Makefile. Every tests/fuzz/fuzz_<name>.c is a libFuzzer target
# (LLVMFuzzerTestOneInput): adding the file is all it takes. `make test-fuzz` builds each with
# clang and ASan+UBSan into $(BUILD)/fuzz/<name>, runs it for a short bounded pass over a
# temporary copy of its seed corpus tests/fuzz/corpus/<name>/ (the tree never gets new inputs;
# crashing inputs land in $(BUILD)/fuzz/) and prints "PASS fuzz_<name>" or "FAIL fuzz_<name>".
#
# Sources: every target is linked with the library's sources (user/lib, LIB_SRCS), compiled by
# clang here rather than taken from libevtap.a, which gcc builds without the fuzzer's
# instrumentation. The library needs no BPF toolchain, so neither do the fuzz targets.

FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	       -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE \
	       $(LIB_INC)
FUZZ_RUN_FLAGS ?= -max_total_time=20 -rss_limit_mb=512 -timeout=5
# The RSS limit counts ASan's quarantine of freed memory, 256 MiB by default: keep it smaller.
FUZZ_ASAN_OPTIONS ?= quarantine_size_mb=64

define FUZZ_TARGET
$(BUILD)/fuzz/$(1): tests/fuzz/fuzz_$(1).c $(wildcard tests/fuzz/*.h user/lib/*.h include/*.h) \
		    $(LIB_SRCS) $(BUILD)/gen/codenames.gen.h
	@mkdir -p $$(@D)
	$(CLANG) $(FUZZ_CFLAGS) -o $$@ $$< $(LIB_SRCS) $(LIB_LIBS)
endef
$(foreach name,$(FUZZ_NAMES),$(eval $(call FUZZ_TARGET,$(name))))

# Each target is built here rather than as a prerequisite, so that one that does not build is
# one FAIL line and the others still run.
test-fuzz:
	@mkdir -p $(BUILD)/fuzz; failed=0; \
	for name in $(FUZZ_NAMES); do \
		log=$(BUILD)/fuzz/$$name.log; \
		if ! $(MAKE) --no-print-directory $(BUILD)/fuzz/$$name >$$log 2>&1; then \
			echo "FAIL fuzz_$$name"; echo "  build failed:"; \
			tail -n 20 $$log | sed 's/^/  /'; failed=1; continue; \
		fi; \
		corpus=$$(mktemp -d) || exit 1; \
		if [ -d tests/fuzz/corpus/$$name ]; then cp -R tests/fuzz/corpus/$$name/. $$corpus; fi; \
		if ASAN_OPTIONS=$(FUZZ_ASAN_OPTIONS) $(BUILD)/fuzz/$$name $(FUZZ_RUN_FLAGS) \
			-artifact_prefix=$(BUILD)/fuzz/$$name- $$corpus >>$$log 2>&1; then \
			echo "PASS fuzz_$$name"; \
		else \
			echo "FAIL fuzz_$$name"; tail -n 30 $$log | sed 's/^/  /'; failed=1; \
		fi; \
		rm -rf $$corpus; \
	done; \
	exit $$failed

# Regenerates fuzz_segment's seeds after a format change (by hand, not by `make test`).
.PHONY: fuzz-corpus-segment
fuzz-corpus-segment: $(BUILD)/fuzz/gen_segment_corpus
	rm -rf tests/fuzz/corpus/segment
	$< tests/fuzz/corpus/segment

$(BUILD)/fuzz/gen_segment_corpus: tests/fuzz/gen_segment_corpus.c tests/fuzz/segment_key.h \
				  $(BUILD)/libevtap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LIB_INC) -o $@ $< $(BUILD)/libevtap.a $(LIB_LIBS)
