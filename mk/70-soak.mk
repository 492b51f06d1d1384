# SPDX-License-Identifier: MIT
# Soak runs (issue 3): cluster tests marked `soak` take longer than make test can afford
# (e.g. 10,000 round trips under 20% loss and 5% duplication). They skip unless DSMK_SOAK is
# set; `make soak` sets it and runs only them. Not a TEST_TIERS member on purpose.
SOAK_ARGS ?=
.PHONY: soak
soak: $(KERNEL)
	@$(TOOLS_ENV) DSMK_SOAK=1 $(PYTHON) -m pytest -q -p no:cacheprovider -m soak tests/cluster $(SOAK_ARGS)
