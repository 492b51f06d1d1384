# SPDX-License-Identifier: MIT
"""The NIC drivers end to end, below any protocol stack: two nodes on one bridge run the
kernel's raw-frame echo test (`nettest=pair`: node 0 sends, node 1 echoes) with each NIC
model - virtio-net over the legacy transport (the transitional device), over the modern
transport (`disable-legacy=on`), and e1000 - at MTU 1500 and with jumbo frames at 9000.
Frame sizes run from 60 bytes to the full MTU, so multi-descriptor e1000 receive and
MTU-sized virtio buffers are covered. Both kernels exit with the verdict (QEMU status 33)."""
import re

import pytest

EXIT_OK_STATUS = 33          # kernel/exit_codes.h EXIT_OK through isa-debug-exit
RUN_TIMEOUT = 90.0
COUNT = 60

CASES = [
    ("virtio", None, []),
    ("virtio", 9000, []),
    ("virtio-modern", None, ["-global", "virtio-net-pci.disable-legacy=on"]),
    ("virtio-modern", 9000, ["-global", "virtio-net-pci.disable-legacy=on"]),
    ("e1000", None, []),
    ("e1000", 9000, []),
]


@pytest.mark.parametrize("nic,mtu,extra", CASES, ids=["%s-mtu%s" % (c[0], c[1] or 1500) for c in CASES])
def test_two_nodes_exchange_raw_frames(make_cluster, nic, mtu, extra):
    model = "e1000" if nic == "e1000" else "virtio"
    c = make_cluster(2, nic=model, mtu=mtu, qemu_extra=extra,
                     words=["nettest=pair", "nettest.count=%d" % COUNT])
    status = [node.wait(RUN_TIMEOUT) for node in c.nodes]
    logs = [node.log_text() for node in c.nodes]
    assert status == [EXIT_OK_STATUS, EXIT_OK_STATUS], (status, logs[0][-3000:], logs[1][-3000:])
    transport = "modern" if nic == "virtio-modern" else "legacy"
    if model == "virtio":
        assert "%s transport" % transport in logs[0], logs[0]
    assert re.search(r"nettest: %d passed, 0 failed" % COUNT, logs[0]), logs[0][-3000:]
    assert "nettest: echoed" in logs[1] and "done" in logs[1], logs[1][-3000:]
    assert "mtu %d" % (mtu or 1500) in logs[0]
