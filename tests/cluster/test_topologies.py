# SPDX-License-Identifier: MIT
"""Issue 3 acceptance: 2 and 4 nodes come up and exchange messages with each NIC and each
boot path. Matrix (kept to a few minutes under TCG): 4 nodes with virtio and with e1000
booted by QEMU -kernel; 2 nodes booted from GRUB ISOs (e1000); 2 nodes netbooted by iPXE
(virtio). In each, node 0 forms the cluster and makes transport round trips
(`nettest=rpc`, kernel/nettest_rpc.c) with every other node, and every server handles
each request exactly once. tests/cluster/test_pxe.py already boots PXE on both NICs to
the ready line; tests/cluster/test_net_stack.py covers 2-node -kernel per NIC and MTU.
"""
import os
import subprocess
import sys

import pytest

from dsmkpy.ping import EXIT_OK, NETNS_PREFIX, RPC_WARMUP, rpc_words, run_rpc, use_netns_prefix
from dsmkpy.testing import REPO

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
    old = use_netns_prefix()
    yield
    use_netns_prefix(old)


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



# Runs tools/dsmk in a child whose namespaces carry this helper's prefix (dsmkpy/ping.py).
PING_CLI = """
import runpy, sys
import dsmkpy.netns
dsmkpy.netns.NETNS_PREFIX = sys.argv[1]
dsmk = sys.argv[2]
sys.argv = [dsmk] + sys.argv[3:]
runpy.run_path(dsmk, run_name="__main__")
"""


def test_dsmk_ping_rpc_one_shot(cluster_kernel, tmp_path):
    """`tools/dsmk ping --rpc N`: a fresh 3-node cluster, N transport round trips per peer,
    a summary per peer, exit 0 when all completed exactly once, nothing left behind."""
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "tools"), DSMK_RUN_ROOT=str(tmp_path))
    r = subprocess.run([sys.executable, "-c", PING_CLI, NETNS_PREFIX, os.path.join(REPO, "tools", "dsmk"), "ping",
                        "--rpc", "30", "-n", "3", "--kernel", cluster_kernel],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, timeout=RUN_TIMEOUT)
    assert r.returncode == 0, (r.stdout, r.stderr)
    for peer in (1, 2):
        assert "node 0 -> %d: 30 round trips" % peer in r.stdout, r.stdout
    assert "client: 100 requests, 100 distinct replies, 0 late" in r.stdout, r.stdout
    assert "no runtime command channel" in r.stderr, r.stderr
    assert not os.listdir(str(tmp_path)), os.listdir(str(tmp_path))
