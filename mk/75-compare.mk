# SPDX-License-Identifier: MIT
# `make compare PROGRAM=falseshare ARGS="4 20000"` (issue 6): tools/dsmk compare runs the
# program under every manager and coherence mode and prints one table (tools/dsmkpy/compare.py).
# NODES (default 2), NIC, REPEAT (runs per row, median) and UPDATE (symbols for the
# write-update rows) pass through. Not a test tier: tests/cluster/test_compare.py checks it.
PROGRAM ?= falseshare
ARGS ?=
NODES ?= 2
NIC ?= virtio
REPEAT ?= 1
UPDATE ?=
.PHONY: compare
compare: $(KERNEL) user
	$(TOOLS_ENV) $(PYTHON) tools/dsmk compare -n $(NODES) --nic $(NIC) -r $(REPEAT) \
		$(foreach s,$(UPDATE),--update $(s)) $(PROGRAM) $(ARGS)
