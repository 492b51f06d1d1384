# SPDX-License-Identifier: MIT
"""Link flaps at the NIC: QEMU's set_link takes a node's link down (e1000 sees STATUS.LU
drop and a link-status-change interrupt; virtio-net just stops delivering) and up again.
The drivers need no reset for it: after the link returns, the node answers pings again
and the cluster transport still works - with each NIC model."""
import subprocess
import time

import pytest

from dsmkpy.netns import node_ipv4

DOWN_SECONDS = 1.0
RECOVER_TIMEOUT = 20.0

CASES = [("virtio", []), ("virtio-modern", ["-global", "virtio-net-pci.disable-legacy=on"]), ("e1000", [])]


def ping_once(c, index):
    cmd = c.ns.exec_prefix() + ["ping", "-c", "1", "-W", "1", node_ipv4(index)]
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30).returncode == 0


@pytest.mark.parametrize("nic,extra", CASES, ids=[c[0] for c in CASES])
def test_node_recovers_after_link_flap(make_cluster, nic, extra):
    c = make_cluster(2, nic="e1000" if nic == "e1000" else "virtio", qemu_extra=extra)
    c.nodes[0].wait_for_line(r"cluster ready: 2 nodes", 30.0)
    assert ping_once(c, 1)
    c.set_link(1, False)
    assert not ping_once(c, 1), "the link is down, yet node 1 answered"
    time.sleep(DOWN_SECONDS)
    c.set_link(1, True)
    deadline = time.monotonic() + RECOVER_TIMEOUT
    while not ping_once(c, 1):
        assert time.monotonic() < deadline, c.nodes[1].log_text()[-3000:]
    for node in c.nodes:
        assert node.alive(), node.log_text()[-3000:]
