# SPDX-License-Identifier: MIT
# Tier: the in-kernel driver tests (KTEST drivers_*) once per NIC model - e1000, the
# transitional virtio-net (legacy transport), virtio-net with disable-legacy=on (modern
# transport) and with vectors=0 (no MSI-X: INTx) - each on QEMU's user-mode network so the ARP round trip has a peer and no
# root or namespace is needed. Ends with "ktest-nic: N passed, N failed"; a run without a
# verdict line or with a QEMU status other than 33 (EXIT_OK) counts as one failure.
KTEST_NIC_MODELS := e1000 virtio-net-pci virtio-net-pci,disable-legacy=on virtio-net-pci,vectors=0
KTEST_NIC_TIMEOUT := 120
KTEST_NIC_EXIT_OK := 33

.PHONY: test-ktest-nic
test-ktest-nic: $(KERNEL)
	@pass=0; fail=0; \
	for nic in $(KTEST_NIC_MODELS); do \
	  out=$$(timeout $(KTEST_NIC_TIMEOUT) qemu-system-x86_64 -accel tcg -m 256 -smp 1 -nodefaults -display none \
	    -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel $(KERNEL) \
	    -append "ktest ktest.filter=drivers_ nettest.slirp" -netdev user,id=n0 -device $$nic,netdev=n0,romfile= 2>&1); \
	  rc=$$?; \
	  echo "== $$nic"; echo "$$out" | grep -E '^ktest |check failed'; \
	  v=$$(echo "$$out" | sed -n 's/^ktest: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' | tail -1); \
	  if [ -z "$$v" ] || [ $$rc -ne $(KTEST_NIC_EXIT_OK) ]; then \
	    echo "$$out" | tail -20; echo "ktest-nic: $$nic: QEMU status $$rc, verdict '$$v'"; fail=$$((fail + 1)); \
	  else set -- $$v; pass=$$((pass + $$1)); fail=$$((fail + $$2)); fi; \
	done; \
	echo "ktest-nic: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

TEST_TIERS += test-ktest-nic
