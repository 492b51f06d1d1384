# SPDX-License-Identifier: MIT
"""Issue 3 acceptance: 2 and 4 nodes come up and exchange messages with each NIC and each
boot path. Matrix (kept to a few minutes under TCG): 4 nodes with virtio and with e1000
booted by QEMU -kernel; 2 nodes booted from GRUB ISOs (e1000); 2 nodes netbooted by iPXE
(virtio). In each, node 0 forms the cluster and makes transport round trips
(`nettest=rpc`, kernel/nettest_rpc.c) with every other node, and every server handles
each request exactly once. tests/cluster/test_pxe.py already boots PXE on both NICs to
the ready line; tests/cluster/test_net_stack.py covers 2-node -kernel per NIC and MTU.
"""
import pytest

from dsmkpy.ping import EXIT_OK, RPC_WARMUP, rpc_words, run_rpc, use_netns_prefix

COUNT = 50
RUN_TIMEOUT = 180.0
PXE_RUN_TIMEOUT = 300.0

CASES = [
    (4, "virtio", "kernel"),
    (4, "e1000", "kernel"),
    (2, "virtio", "iso"),
    (2, "e1000", "iso"),
    (2, "virtio", "pxe"),
    (2, "e1000", "pxe"),
    (4, "virtio", "pxe"),
]


@pytest.fixture(autouse=True)
def nettests_netns():
    use_netns_prefix()


@pytest.mark.parametrize("nodes,nic,boot", CASES, ids=["%dx%s-%s" % c for c in CASES])
def test_nodes_form_cluster_and_exchange_messages(make_cluster, nodes, nic, boot):
    c = make_cluster(nodes, nic=nic, boot=boot, wait=False, words=rpc_words(COUNT))
    status, s = run_rpc(c, PXE_RUN_TIMEOUT if boot == "pxe" else RUN_TIMEOUT)
    tails = "\n".join("--- node %d\n%s" % (i, log[-2000:]) for i, log in enumerate(s.logs))
    assert "cluster ready: %d nodes" % nodes in s.logs[0], tails
    assert status == EXIT_OK, (status, tails)
    per_peer = COUNT + RPC_WARMUP
    assert s.verdict == (COUNT * (nodes - 1), 0), tails
    assert sorted(s.peers) == list(range(1, nodes)), tails
    assert all(p["round_trips"] == COUNT for p in s.peers.values()), tails
    assert s.client["distinct"] == per_peer * (nodes - 1) and s.client["late"] == 0, tails
    for peer in range(1, nodes):
        assert s.servers.get(peer) == {"handled": per_peer, "distinct": per_peer}, (peer, tails)
    if boot != "kernel":
        loader = {"iso": "GRUB", "pxe": "iPXE"}[boot]
        for log in s.logs:
            assert "boot: loader '%s" % loader in log, log[:3000]
