#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Network bench (issue 3): node-to-node 64-byte request / 4 KiB reply round trips through
the full transport (MAC, sequence numbers, acks) for virtio-net and e1000, min/median/p99,
from the kernel's `nettest=rpc` (kernel/nettest_rpc.c: node 0 waits for each reply, node 1
answers from hlt; both halt while they wait, net.spin_us=0), and 4 KiB one-way messages per second. Beside them, in the same run, the
Linux-guest baseline (../shared/bench/linux-guest/run.sh) and the ratios ours/Linux under
keys containing `ratio`. The same round trips at MTU 9000 (one frame per reply) are reported
beside them, against the same MTU-1500 Linux figure. Needs root (network namespaces). Goal (issue 3): median at most
0.25x Linux's, p99 at most Linux's median."""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from dsmkpy import linux_baseline  # noqa: E402
from dsmkpy.bench import merge_results  # noqa: E402
from dsmkpy.cluster import Cluster  # noqa: E402

NICS = tuple(linux_baseline.MODES)
COUNT = 2000
JUMBO_MTU = 9000
RUN_TIMEOUT = 600.0
RPC = re.compile(r"nettest: rpc node 0 -> 1: (\d+) round trips, .* min (\d+) us median (\d+) us p99 (\d+) us")
PHASES = re.compile(r"nettest: rpc phases node 0 -> 1 \(mean of \d+\): send (\d+) ns, away (\d+) ns, "
                    r"receive (\d+) ns, after (\d+) ns")
STREAM = re.compile(r"nettest: stream node 0 -> 1: (\d+) of (\d+) messages of (\d+) B in (\d+) us: (\d+) msg/s")


def run_ours(kernel, nic, rundir, mtu=None):
    """({min, median, p99}, msgs_per_s) from one 2-node nettest=rpc run (bridge and NICs at mtu)."""
    c = Cluster(2, kernel, rundir, nic=nic, mtu=mtu, words=["nettest=rpc", "nettest.count=%d" % COUNT])
    try:
        c.start()
        c.wait_ready(60.0)
        status = c.nodes[0].wait(RUN_TIMEOUT)
        log = c.nodes[0].log_text()
    finally:
        c.stop()
    rpc, stream = RPC.search(log), STREAM.search(log)
    if status != 33 or not rpc or not stream:
        raise RuntimeError("%s: nettest=rpc failed (QEMU status %s):\n%s" % (nic, status, log[-2000:]))
    rtt = {"min": int(rpc.group(2)), "median": int(rpc.group(3)), "p99": int(rpc.group(4))}
    phases = PHASES.search(log)
    if phases:  # where the mean round trip goes on node 0 (kernel/nettest_rpc.c), in us
        rtt["phases_us"] = dict(zip(("send", "away", "receive", "after"),
                                    (round(int(g) / 1000.0, 1) for g in phases.groups())))
    return rtt, int(stream.group(5))


def main():
    kernel = os.path.join(os.environ.get("DSMK_BUILD", "build"), "dsmk.elf")
    figures, ok = {}, True
    with tempfile.TemporaryDirectory(prefix="dsmk-bench-net-") as tmp:
        ours = {}
        for nic in NICS:
            try:
                rtt, rate = run_ours(kernel, nic, os.path.join(tmp, nic))
            except RuntimeError as e:
                print("net_rtt: %s" % e)
                ok = False
                continue
            ours[nic] = rtt
            figures["net_rtt_4k_%s_us" % nic] = dict(value=rtt["median"], unit="us", min=rtt["min"], p99=rtt["p99"],
                                                     runs=COUNT, accel="tcg", phases_us=rtt.get("phases_us"),
                                                     what="64 B request, 4 KiB reply, full transport")
            figures["net_stream_4k_%s_msgs" % nic] = dict(value=rate, unit="msg/s", runs=COUNT, accel="tcg",
                                                          what="one-way 4 KiB transport messages, node 0 to 1")
            print("net_rtt: %s min %d median %d p99 %d us; stream %d msg/s; mean phases (us) %s" % (
                nic, rtt["min"], rtt["median"], rtt["p99"], rate, rtt.get("phases_us")))
        # Jumbo frames (the bridge, taps and NICs at MTU 9000): a 4 KiB reply in one frame.
        for nic in NICS:
            try:
                rtt, _ = run_ours(kernel, nic, os.path.join(tmp, nic + "-jumbo"), mtu=JUMBO_MTU)
            except RuntimeError as e:
                print("net_rtt: MTU %d: %s" % (JUMBO_MTU, e))
                ok = False
                continue
            ours[nic + "_mtu9000"] = rtt
            figures["net_rtt_4k_%s_mtu9000_us" % nic] = dict(value=rtt["median"], unit="us", min=rtt["min"],
                                                             p99=rtt["p99"], runs=COUNT, accel="tcg", mtu=JUMBO_MTU,
                                                             phases_us=rtt.get("phases_us"),
                                                             what="as net_rtt_4k_*_us, one frame per reply")
            print("net_rtt: %s at MTU %d: min %d median %d p99 %d us" % (nic, JUMBO_MTU, rtt["min"], rtt["median"],
                                                                      rtt["p99"]))
        linux = linux_baseline.run(tmp)
        for nic in NICS:
            base = (linux or {}).get(nic)
            if not base:
                continue
            figures["linux_udp_rtt_4k_%s_us" % nic] = dict(value=base["median"], unit="us", min=base["min"],
                                                           p99=base["p99"], accel="tcg",
                                                           what="Linux guests, UDP 64 B -> 4 KiB, same run")
            for key in (nic, nic + "_mtu9000"):
                if key in ours and base["median"]:
                    figures["net_rtt_4k_%s_ratio" % key] = dict(
                        value=round(ours[key]["median"] / base["median"], 3), unit="x",
                        p99_over_linux_median=round(ours[key]["p99"] / base["median"], 3),
                        goal="median <= 0.25, p99_over_linux_median <= 1",
                        baseline="Linux guests at MTU 1500, same run")
    merge_results(figures)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
