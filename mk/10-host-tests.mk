# Tier 1: host unit tests (tests/host/*.c against the portable sources, ASan+UBSan).
HOST_TEST_SRCS := $(sort $(wildcard tests/host/*.c)) $(PORTABLE_SRCS)
HOST_TEST_OBJS := $(HOST_TEST_SRCS:%.c=$(BUILD)/host/%.o)
HOST_TEST_BIN := $(BUILD)/host/unit_tests

$(BUILD)/host/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

$(HOST_TEST_BIN): $(HOST_TEST_OBJS)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $^

.PHONY: test-host
test-host: $(HOST_TEST_BIN)
	$(HOST_TEST_BIN)

TEST_TIERS += test-host
