# SPDX-License-Identifier: MIT
"""The NIC drivers under the real stack (kernel/net_glue.c + net/): with each NIC model
two nodes form the cluster (node 0 prints `cluster ready`), and the host side of the
bridge pings every node (the ICMP echo reply comes from net/). The nodes idle in `hlt`,
so this also proves the interrupt path: a frame wakes the node through the NIC's
interrupt (e1000: INTx; virtio: MSI-X, or INTx with vectors=0)."""
import subprocess

import pytest

from dsmkpy.netns import node_ipv4

READY_TIMEOUT = 30.0
PING_COUNT = 5

CASES = [
    ("virtio", None, []),
    ("virtio-modern", None, ["-global", "virtio-net-pci.disable-legacy=on"]),
    ("virtio-intx", None, ["-global", "virtio-net-pci.vectors=0"]),
    ("e1000", None, []),
    ("e1000", 9000, []),
    ("virtio", 9000, []),
]


def ping(c, index, size=56):
    cmd = c.ns.exec_prefix() + ["ping", "-c", str(PING_COUNT), "-i", "0.2", "-W", "2", "-s", str(size),
                                node_ipv4(index)]
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)


@pytest.mark.parametrize("nic,mtu,extra", CASES, ids=["%s-mtu%s" % (c[0], c[1] or 1500) for c in CASES])
def test_cluster_forms_and_host_pings_each_node(make_cluster, nic, mtu, extra):
    model = "e1000" if nic == "e1000" else "virtio"
    c = make_cluster(2, nic=model, mtu=mtu, qemu_extra=extra)
    c.nodes[0].wait_for_line(r"cluster ready: 2 nodes", READY_TIMEOUT)
    if model == "virtio":
        assert ("INTx" if nic == "virtio-intx" else "MSI-X") in c.nodes[1].log_text()
    for i in range(2):
        r = ping(c, i)
        assert r.returncode == 0 and " 0% packet loss" in r.stdout, (r.stdout, c.nodes[i].log_text()[-3000:])
    if mtu:
        # one echo request that needs the jumbo MTU end to end (no fragments)
        r = ping(c, 1, size=mtu - 28)
        assert r.returncode == 0 and " 0% packet loss" in r.stdout, (r.stdout, c.nodes[1].log_text()[-3000:])
    for node in c.nodes:
        assert node.alive(), node.log_text()[-3000:]


RPC_COUNT = 200
RPC_LINE = r"nettest: rpc node 0 -> 1: (\d+) round trips, .* min (\d+) us median (\d+) us p99 (\d+) us"


@pytest.mark.parametrize("nic,mtu", [("virtio", None), ("e1000", None), ("e1000", 9000)],
                         ids=["virtio-mtu1500", "e1000-mtu1500", "e1000-mtu9000"])
def test_transport_round_trips_over_each_nic(make_cluster, nic, mtu):
    """64-byte requests, 4 KiB replies through the whole transport (MAC, sequence numbers,
    acks; IP fragments at MTU 1500); node 1 answers from hlt, woken by the NIC interrupt."""
    import re
    c = make_cluster(2, nic=nic, mtu=mtu, words=["nettest=rpc", "nettest.count=%d" % RPC_COUNT])
    status = c.nodes[0].wait(120.0)
    log0 = c.nodes[0].log_text()
    assert status == 33, (status, log0[-3000:], c.nodes[1].log_text()[-2000:])
    m = re.search(RPC_LINE, log0)
    assert m and int(m.group(1)) == RPC_COUNT, log0[-3000:]
    assert "nettest: %d passed, 0 failed" % (RPC_COUNT + 1) in log0
    assert re.search(r"nettest: stream node 0 -> 1: %d of %d messages" % (RPC_COUNT, RPC_COUNT), log0), log0[-3000:]
    # a full transmit ring is back-pressure: a burst (the stream) must not lose frames to it
    assert "dropped on a full transmit ring" not in log0, log0[-3000:]
    assert c.nodes[1].wait(10.0) == 33, c.nodes[1].log_text()[-2000:]
