# SPDX-License-Identifier: MIT
"""Cluster round trips for `dsmk ping` and the network tests (issue 3), read from the kernel's
`nettest=rpc` run (kernel/nettest_rpc.c): node 0 makes request/response round trips with
every other node and logs min/median/p99 and exactly-once counts; each server logs what it
handled and its stack counters when node 0 lets it go. The kernel has no runtime command
channel, so a ping is a one-shot cluster boot, not a query to a cluster left by `dsmk up`.
"""
import os
import re
import shutil
import sys
import time

from .cluster import Cluster

RPC_ROUND_TRIPS = re.compile(r"nettest: rpc node 0 -> (\d+): (\d+) round trips, .*: "
                             r"min (\d+) us median (\d+) us p99 (\d+) us")
RPC_CLIENT = re.compile(r"nettest: rpc client: (\d+) requests, (\d+) replies, (\d+) distinct, (\d+) late")
RPC_SERVER = re.compile(r"nettest: rpc server: (\d+) requests handled, (\d+) distinct")
RPC_VERDICT = re.compile(r"nettest: (\d+) passed, (\d+) failed")
NET_COUNTER = re.compile(r"\b([a-z][a-z0-9_]*)=(\d+)")
NET_LOG_LINE = re.compile(r"(?<![\w-])net: (.*)")  # the stack's own lines, not "virtio-net: ..."
RPC_WARMUP = 20        # kernel/nettest_rpc.c RPC_WARMUP: untimed round trips before the timed ones
EXIT_OK = 33           # kernel/exit_codes.h EXIT_OK through isa-debug-exit
DEFAULT_TIMEOUT = 300.0
SERVER_EXIT_TIMEOUT = 15.0
NETNS_PREFIX = "dsmk-nettests-"  # namespaces made by these tests carry the helper's name


def use_netns_prefix(prefix=NETNS_PREFIX):
    """Makes every namespace this process creates from now on start with prefix; returns
    the previous prefix (to put back)."""
    from . import netns
    old, netns.NETNS_PREFIX = netns.NETNS_PREFIX, prefix
    return old


def rpc_words(count, stream=False):
    """Kernel words for a round-trip run of count timed requests per peer."""
    words = ["nettest=rpc", "nettest.count=%d" % count]
    return words if stream else words + ["nettest.nostream"]


def counters(text):
    """The stack counters of the last counter dump in a node log: {name: value}.
    A dump is a run of "net: name=value ..." lines (net/net.c net_dump_counters)."""
    found = {}
    for line in text.splitlines():
        m = NET_LOG_LINE.search(line)
        if not m or m.group(1).startswith(("peer ", "pbufs ")):
            continue
        if m.group(1).startswith("rx_frames="):
            found = {}  # a new dump starts
        for name, value in NET_COUNTER.findall(m.group(1)):
            found[name] = int(value)
    return found


class RpcSummary:
    """What a finished nettest=rpc run logged: per-peer timings, the client's and each
    server's exactly-once counts, the verdict, and each node's last counter dump."""

    def __init__(self, logs):
        self.logs = logs
        log0 = logs[0]
        self.peers = {int(m[0]): {"round_trips": int(m[1]), "min_us": int(m[2]), "median_us": int(m[3]),
                                  "p99_us": int(m[4])} for m in RPC_ROUND_TRIPS.findall(log0)}
        m = RPC_CLIENT.search(log0)
        self.client = None if not m else dict(zip(("requests", "replies", "distinct", "late"), map(int, m.groups())))
        m = RPC_VERDICT.search(log0)
        self.verdict = None if not m else (int(m.group(1)), int(m.group(2)))
        self.servers = {}
        for i, text in enumerate(logs[1:], start=1):
            m = RPC_SERVER.search(text)
            if m:
                self.servers[i] = {"handled": int(m.group(1)), "distinct": int(m.group(2))}
        self.counters = [counters(text) for text in logs]

    def lines(self):
        """Human-readable summary, one line per peer and one for the totals."""
        out = []
        for peer, p in sorted(self.peers.items()):
            s = self.servers.get(peer, {})
            out.append("node 0 -> %d: %d round trips (64 B request, 4 KiB reply): min %d us, median %d us, "
                       "p99 %d us; node %d handled %s" % (peer, p["round_trips"], p["min_us"], p["median_us"],
                                                           p["p99_us"], peer, s.get("handled", "?")))
        if self.client:
            out.append("client: %(requests)d requests, %(distinct)d distinct replies, %(late)d late" % self.client)
        if self.verdict:
            out.append("verdict: %d passed, %d failed" % self.verdict)
        return out


def run_rpc(cluster, timeout=DEFAULT_TIMEOUT):
    """Waits for node 0 of a started nettest=rpc cluster to finish, then for the servers
    to leave; returns (node 0's exit status, RpcSummary)."""
    status = cluster.nodes[0].wait(timeout)
    for node in cluster.nodes[1:]:
        node.wait(SERVER_EXIT_TIMEOUT)
    return status, RpcSummary([node.log_text() for node in cluster.nodes])


def ping_once(kernel, rundir, nodes=2, count=100, nic="virtio", mtu=None, boot="kernel", words=(),
              timeout=DEFAULT_TIMEOUT, notify=None):
    """Boots a fresh cluster that runs count round trips from node 0 to every other node,
    tears it down, and returns (node 0's status, RpcSummary, seconds taken)."""
    t0 = time.monotonic()
    c = Cluster(nodes, kernel, rundir, nic=nic, mtu=mtu, boot=boot,
                words=rpc_words(count) + list(words), notify=notify)
    try:
        c.start()
        status, summary = run_rpc(c, timeout)
    finally:
        c.stop()
    return status, summary, time.monotonic() - t0


def ping_ok(status, summary, nodes, count):
    """True when every round trip completed exactly once and node 0 passed."""
    want = (nodes - 1) * (RPC_WARMUP + count)
    return (status == EXIT_OK and summary.verdict is not None and summary.verdict[1] == 0 and
            summary.client is not None and summary.client["distinct"] == want and summary.client["late"] == 0)


def default_rundir(root):
    return os.path.join(root, "ping-%d" % os.getpid())


def cli_ping(args, kernel, run_root, say, running=None):
    """`dsmk ping --rpc N`: boots a fresh cluster (the shape of the running one, if given:
    nodes, NIC, MTU, boot path), makes N transport round trips from node 0 to every other
    node, prints the summary and tears it down. Returns the exit status (0 = all exactly once)."""
    nodes, nic, mtu, boot = args.nodes, args.nic, args.mtu, args.boot
    if running is not None:
        nodes, nic, mtu, boot = running.n, running.nic, running.mtu, running.boot
    if nodes < 2:
        say("ping --rpc needs at least 2 nodes")
        return 1
    say("the kernel has no runtime command channel: booting a fresh %d-node cluster (%s, %s boot) "
        "for %d round trips per peer" % (nodes, nic, boot, args.rpc))
    rundir = default_rundir(run_root)
    try:
        status, summary, secs = ping_once(kernel, rundir, nodes=nodes, count=args.rpc, nic=nic, mtu=mtu, boot=boot,
                                          words=args.words, timeout=args.timeout or DEFAULT_TIMEOUT)
    finally:
        shutil.rmtree(rundir, ignore_errors=True)
    for line in summary.lines():
        print(line)
    ok = ping_ok(status, summary, nodes, args.rpc)
    say("%s in %.1fs" % ("ok" if ok else "FAILED (node 0 status %s)" % status, secs))
    if not ok:
        sys.stderr.write("".join(summary.logs[0].splitlines(True)[-15:]))
    return 0 if ok else 1
