# SPDX-License-Identifier: MIT
# Host tooling targets (tools/dsmk, tools/dsmkpy): the ktest and qemu test tiers, the GRUB
# ISO, the netboot TFTP root, `make bench`, and `make run` / `make cluster` / `make gdb` for a
# look at a live kernel. Every rule honours BUILD so parallel build dirs never share output.
TOOLS_ENV := PYTHONPATH=tools PYTHONDONTWRITEBYTECODE=1 DSMK_BUILD=$(BUILD)

# --- make iso: $(BUILD)/dsmk.iso, GRUB (BIOS) with a serial console, multiboot v1 entry.
ISO := $(BUILD)/dsmk.iso
ISO_CMDLINE ?=
TOOLS_PY := $(wildcard tools/dsmkpy/*.py) tools/dsmk

.PHONY: tools-always
tools-always:

# Rebuilt only when ISO_CMDLINE changes, so the ISO follows the variable.
$(BUILD)/iso.cmdline: tools-always
	@mkdir -p $(BUILD)
	@echo '$(ISO_CMDLINE)' | cmp -s - $@ || echo '$(ISO_CMDLINE)' > $@

$(ISO): $(KERNEL) $(BUILD)/iso.cmdline $(TOOLS_PY)
	$(TOOLS_ENV) $(PYTHON) tools/dsmk mkiso --out $@ $(KERNEL) $(ISO_CMDLINE)

iso: $(ISO)

# --- make netboot: $(BUILD)/tftp (kernel, boot.ipxe, undionly.kpxe for real PCs).
NETBOOT_CMDLINE ?=
netboot: $(KERNEL)
	$(TOOLS_ENV) $(PYTHON) tools/dsmk mktftp --out $(BUILD)/tftp $(KERNEL) $(NETBOOT_CMDLINE)

# --- test tiers
KTEST_WORDS ?=
test-ktest: $(KERNEL)
	@$(TOOLS_ENV) $(PYTHON) -m dsmkpy.ktest_tier $(KERNEL) $(abspath $(BUILD))/ktest $(KTEST_WORDS)

PYTEST_ARGS ?=
test-qemu: $(KERNEL) $(ISO)
	@$(TOOLS_ENV) $(PYTHON) -m pytest -q -p no:cacheprovider tests/qemu tests/cluster $(PYTEST_ARGS)

TEST_TIERS += test-ktest test-qemu

# --- make bench: every tools/bench/*.py merges its figures into $(BUILD)/bench.json.
# net_rtt.py first: it measures the Linux-guest round trip the others' ratios divide by,
# so every ratio compares figures of the same run.
BENCH_FIRST := tools/bench/net_rtt.py
BENCH_SCRIPTS ?= $(BENCH_FIRST) $(filter-out $(BENCH_FIRST),$(sort $(wildcard tools/bench/*.py)))
bench: $(KERNEL)
	@$(TOOLS_ENV) $(PYTHON) -m dsmkpy.bench $(BUILD)/bench.json $(BENCH_SCRIPTS)

# --- a live look: one node on this terminal (^A x quits), or a cluster in the background.
RUN_CMDLINE ?=
NODES ?= 2
NODE ?= 0
.PHONY: cluster gdb
run: $(KERNEL)
	qemu-system-x86_64 -accel tcg -m 128 -smp 1 -nodefaults -display none -no-reboot -serial mon:stdio \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel $(KERNEL) -append '$(RUN_CMDLINE)'

cluster: $(KERNEL)
	$(TOOLS_ENV) tools/dsmk up -n $(NODES)

# gdb on node $(NODE) of the running cluster (make cluster first); the node stops while held.
gdb:
	$(TOOLS_ENV) tools/dsmk gdb $(NODE)
