# SPDX-License-Identifier: MIT
# The DSM simulator (tests/sim, docs/dsm-protocol.md): the dsm/ core on many simulated
# nodes, host cc. dsm_sim is -O2 without sanitizers (the long runs); dsm_sim_asan has
# ASan+UBSan for a short run; the dsm_sim_broken_* builds compile a deliberately wrong
# protocol that the tier expects the checker to catch.
SIM_DIR := $(BUILD)/sim
SIM_SRCS := $(sort $(wildcard tests/sim/*.c)) $(DSM_SRCS) kernel/format.c
SIM_HDRS := $(wildcard tests/sim/*.h dsm/*.h) kernel/format.h kernel/libc.h
SIM_CFLAGS := -std=c11 $(WARNINGS) $(INCLUDES) -DDSMK_HOST -D_DEFAULT_SOURCE -g
SIM_SEED ?= 1

$(SIM_DIR)/dsm_sim: $(SIM_SRCS) $(SIM_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(SIM_CFLAGS) -O2 -o $@ $(SIM_SRCS)

$(SIM_DIR)/dsm_sim_asan: $(SIM_SRCS) $(SIM_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(SIM_CFLAGS) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
		-fno-sanitize-recover=undefined -o $@ $(SIM_SRCS)

$(SIM_DIR)/dsm_sim_broken_ack: $(SIM_SRCS) $(SIM_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(SIM_CFLAGS) -O2 -DDSM_BROKEN_SKIP_INVALIDATE_ACK -o $@ $(SIM_SRCS)

$(SIM_DIR)/dsm_sim_broken_futex: $(SIM_SRCS) $(SIM_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(SIM_CFLAGS) -O2 -DDSM_BROKEN_CHECK_BEFORE_REGISTERED -o $@ $(SIM_SRCS)

$(SIM_DIR)/dsm_sim_broken_backup: $(SIM_SRCS) $(SIM_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(SIM_CFLAGS) -O2 -DDSM_BROKEN_LOSE_BACKUP -o $@ $(SIM_SRCS)

$(SIM_DIR)/dsm_sim_broken_wu: $(SIM_SRCS) $(SIM_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(SIM_CFLAGS) -O2 -DDSM_BROKEN_WU_ONE_PHASE -o $@ $(SIM_SRCS)

$(SIM_DIR)/dsm_sim_broken_ahead: $(SIM_SRCS) $(SIM_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(SIM_CFLAGS) -O2 -DDSM_BROKEN_AHEAD_NO_COPYSET -o $@ $(SIM_SRCS)

SIM_BINS := $(SIM_DIR)/dsm_sim $(SIM_DIR)/dsm_sim_asan $(SIM_DIR)/dsm_sim_broken_ack $(SIM_DIR)/dsm_sim_broken_futex \
	$(SIM_DIR)/dsm_sim_broken_backup $(SIM_DIR)/dsm_sim_broken_wu $(SIM_DIR)/dsm_sim_broken_ahead

.PHONY: sim test-sim sim-soak
sim: $(SIM_DIR)/dsm_sim

# Long soak, not in `make test`: SOAK_FIRST, SOAK_COUNT seeds x 3 configurations.
SOAK_FIRST ?= 1000
SOAK_COUNT ?= 50
sim-soak: $(SIM_DIR)/dsm_sim
	sh tests/sim/soak.sh $(SIM_DIR)/dsm_sim $(SOAK_FIRST) $(SOAK_COUNT)

test-sim: $(SIM_BINS)
	sh tests/sim/run_tier.sh $(SIM_DIR) $(SIM_SEED)

TEST_TIERS += test-sim
