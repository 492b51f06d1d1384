# SPDX-License-Identifier: MIT
# Bundled user programs (issue 4): every user/*.c is one static musl pthread program,
# built to $(BUILD)/user/NAME exactly as any user would build it (no dsmk-specific flags).
# `make` builds them with the kernel; the test-qemu tier and `make bench` (tools/bench/
# user_bench.py) run them, so they depend on them.
MUSL_CC := musl-gcc
USER_CFLAGS := -static -pthread -O2 -Wall -Wextra -Werror -Iuser/include
USER_SRCS := $(sort $(wildcard user/*.c))
USER_PROGS := $(USER_SRCS:user/%.c=$(BUILD)/user/%)

$(BUILD)/user/%: user/%.c $(wildcard user/include/*.h) mk/60-user.mk
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(USER_CFLAGS) -o $@ $< -lm

user: $(USER_PROGS)
all: user
test-qemu: user kernel
bench: user
