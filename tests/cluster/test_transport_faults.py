# SPDX-License-Identifier: MIT
"""Issue 3 acceptance: request/responses under loss and duplication complete exactly once.

Every tap drops 20% of the frames it passes (both directions, nft `numgen random`) and
duplicates 5% of the frames towards its node (nft netdev egress `dup`), PLUMBING.md 7.
Nodes boot paused, the faults go on, then they run `nettest=rpc` (kernel/nettest_rpc.c):
each request and reply carry a call number, so the client counts distinct replies and each
server counts requests handled and distinct call numbers. Exactly once means all of them
equal the number of requests, no reply comes late, and the transport counted the
duplicates it suppressed. MTU 9000: one frame per message, so loss hits messages, not
IP fragments. The 10,000 round trips take 1-3 min under TCG here, depending on the
load (2 nodes: node 0 is the only client and runs its peers in turn, so more nodes
would not make it faster).
"""
import re
import subprocess

import pytest

from dsmkpy import faults
from dsmkpy.ping import EXIT_OK, RPC_WARMUP, rpc_words, run_rpc, use_netns_prefix

LOSS_PERCENT = 20
DUP_PERCENT = 5
MTU = 9000
TOTAL = 10000
TIMEOUT = 900.0
NFT_COUNTER = re.compile(r"counter packets (\d+)")


@pytest.fixture(autouse=True)
def nettests_netns():
    old = use_netns_prefix()
    yield
    use_netns_prefix(old)


def nft_packets(c, family, table):
    """Frames the counters of one fault table saw (dropped or duplicated)."""
    r = subprocess.run(c.ns.exec_prefix() + ["nft", "list", "table", family, table], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    return sum(int(n) for n in NFT_COUNTER.findall(r.stdout))


def run_exactly_once(make_cluster, total, nodes, timeout):
    assert total % (nodes - 1) == 0
    count = total // (nodes - 1) - RPC_WARMUP  # timed round trips per peer after the warm-up
    c = make_cluster(nodes, wait=False, mtu=MTU, words=rpc_words(count), qemu_extra=["-S"])
    for i in range(nodes):
        c.loss(i, LOSS_PERCENT)
        c.duplicate(i, DUP_PERCENT)
    for i in range(nodes):
        c.resume(i)
    status, s = run_rpc(c, timeout)
    tails = "\n".join("--- node %d\n%s" % (i, log[-2500:]) for i, log in enumerate(s.logs))
    assert status == EXIT_OK, (status, tails)
    assert s.verdict == (count * (nodes - 1), 0), tails
    assert s.client == {"requests": total, "replies": total + nodes - 1, "distinct": total, "late": 0}, tails
    for peer in range(1, nodes):
        assert s.servers.get(peer) == {"handled": count + RPC_WARMUP, "distinct": count + RPC_WARMUP}, tails
    # the faults really happened, and the transport suppressed and counted duplicates
    for i in range(nodes):
        assert nft_packets(c, "bridge", faults.loss_table(i)) > 0
        assert nft_packets(c, "netdev", faults.dup_table(i)) > 0
    assert sum(cnt.get("tp_duplicate", 0) for cnt in s.counters) > 0, tails
    assert sum(cnt.get("tp_retransmits", 0) for cnt in s.counters) > 0, tails


def test_10000_round_trips_exactly_once_under_loss_and_duplication(make_cluster):
    run_exactly_once(make_cluster, TOTAL, nodes=2, timeout=TIMEOUT)
