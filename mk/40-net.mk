# SPDX-License-Identifier: MIT
# Network stack fuzzing (issue 3): one libFuzzer binary per decoder in tests/fuzz/fuzz_*.c,
# built with clang -fsanitize=fuzzer,address,undefined against the portable net/ sources.
# `make test-fuzz` runs each for FUZZ_SECONDS (from an empty corpus) and prints
# "fuzz: N passed, N failed": one test per target, passed = ran to the end with no crash.
FUZZ_SECONDS ?= 8
FUZZ_CFLAGS := -std=c11 $(WARNINGS) $(INCLUDES) -DDSMK_HOST -D_DEFAULT_SOURCE -O1 -g \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_LIB_SRCS := $(NET_SRCS) kernel/format.c
FUZZ_LIB_OBJS := $(FUZZ_LIB_SRCS:%.c=$(BUILD)/fuzz/obj/%.o)
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)

# The library is compiled once (-MMD for header dependencies) and linked into every target;
# kept between runs (not an intermediate that make would delete).
.SECONDARY: $(FUZZ_LIB_OBJS)
$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_OBJS) $(wildcard tests/fuzz/*.h net/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB_OBJS)

.PHONY: fuzz-build
fuzz-build: $(FUZZ_BINS)

test-fuzz: $(FUZZ_BINS)
	@pass=0; fail=0; \
	for bin in $(FUZZ_BINS); do \
		name=$$(basename $$bin); corpus=$(BUILD)/fuzz/corpus-$$name; mkdir -p $$corpus; \
		if $$bin -max_total_time=$(FUZZ_SECONDS) -max_len=9100 -rss_limit_mb=1024 -print_final_stats=0 \
			-artifact_prefix=$(BUILD)/fuzz/crash-$$name- $$corpus > $(BUILD)/fuzz/$$name.log 2>&1; then \
			echo "$$name ok ($$(grep -c . $(BUILD)/fuzz/$$name.log) log lines)"; pass=$$((pass + 1)); \
		else \
			echo "$$name FAILED:"; tail -n 30 $(BUILD)/fuzz/$$name.log; fail=$$((fail + 1)); \
		fi; \
	done; \
	echo "fuzz: $$pass passed, $$fail failed"; test $$fail -eq 0

TEST_TIERS += test-fuzz
