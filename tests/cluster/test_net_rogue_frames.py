# SPDX-License-Identifier: MIT
"""Malformed traffic at the NIC drivers: a raw socket on the bridge (inside the cluster's
namespace) sends each node thousands of junk frames - header-only runts, random payloads
under every ethertype, truncated IPv4/UDP headers claiming more than they carry, frames
for other MACs, broadcast garbage - with each NIC model. The nodes must stay up, keep the
cluster, and still answer pings: bad input is dropped and counted, never trusted."""
import json
import subprocess
import sys

import pytest

from dsmkpy.netns import BRIDGE, node_ipv4, tap_name
from dsmkpy.qemu import node_mac

FRAMES_PER_NODE = 3500
# The sender paces itself in bursts smaller than a receive ring (256 slots); on a loaded host
# a node can still be descheduled past a pause, and the tap then drops frames QEMU did not
# read, so at least this share of the junk must have reached each NIC.
BURST, PAUSE = 64, 0.003
MIN_SHARE_DELIVERED = 0.5
LINK_JUMBO = 9000  # the bridge and taps carry jumbo frames; the nodes run at MTU 1500
SENDER = r'''
import random, socket, struct, sys, time
ifname, dst, count = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", "")), int(sys.argv[3])
jumbo = int(sys.argv[4])
BURST, PAUSE = int(sys.argv[5]), float(sys.argv[6])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
rnd = random.Random(20261125)
src = bytes.fromhex("02000000bad0")
MAX = 1514
for i in range(count):
    kind = i % 7
    if kind == 0:
        f = dst + src + b"\x08\x00"                                   # header only
    elif kind == 1:
        f = dst + src + b"\x08\x00" + rnd.randbytes(rnd.randrange(0, MAX - 13))
    elif kind == 2:                                                   # IPv4 claiming 9000 bytes
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 9000, 1, 0, 64, 17, 0, bytes(4), bytes(4))
        f = dst + src + b"\x08\x00" + ip + rnd.randbytes(rnd.randrange(0, 40))
    elif kind == 3:                                                   # UDP to the transport port, truncated
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28 + 200, 2, 0, 64, 17, 0, bytes([10, 77, 0, 1]),
                         bytes([10, 77, 0, 10]))
        udp = struct.pack("!HHHH", 7411, 7411, 200, 0)
        f = dst + src + b"\x08\x00" + ip + udp + rnd.randbytes(rnd.randrange(0, 100))
    elif kind == 4:
        f = b"\xff" * 6 + src + struct.pack("!H", rnd.choice([0x0806, 0x0800, 0x86dd, rnd.randrange(65536)])) \
            + rnd.randbytes(rnd.randrange(0, MAX - 13))
    elif kind == 5:
        f = rnd.randbytes(6) + src + rnd.randbytes(rnd.randrange(2, MAX - 11))
    else:                                                             # longer than the node's MTU
        f = dst + src + b"\x08\x00" + rnd.randbytes(rnd.randrange(MAX - 13, jumbo - 13))
    s.send(f)
    if i % BURST == BURST - 1:
        time.sleep(PAUSE)  # let a descheduled node drain its ring: the tap drops what QEMU does not read
'''

CASES = [("virtio", []), ("virtio-modern", ["-global", "virtio-net-pci.disable-legacy=on"]), ("e1000", [])]


def ping_ok(c, index):
    cmd = c.ns.exec_prefix() + ["ping", "-c", "3", "-i", "0.2", "-W", "2", node_ipv4(index)]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    return r.returncode == 0 and " 0% packet loss" in r.stdout, r.stdout


def tap_tx_packets(c, index):
    """Frames the bridge handed to node index's tap, i.e. to its QEMU."""
    out = c.ns.ip("-s", "-j", "link", "show", tap_name(index)).stdout
    return json.loads(out)[0]["stats64"]["tx"]["packets"]


@pytest.mark.parametrize("nic,extra", CASES, ids=[c[0] for c in CASES])
def test_junk_frames_neither_crash_nor_stall_a_node(make_cluster, nic, extra):
    c = make_cluster(2, nic="e1000" if nic == "e1000" else "virtio", qemu_extra=extra)
    c.nodes[0].wait_for_line(r"cluster ready: 2 nodes", 30.0)
    for dev in [BRIDGE] + [tap_name(i) for i in range(2)]:
        c.ns.ip("link", "set", dev, "mtu", str(LINK_JUMBO))
    for i in range(2):
        before = tap_tx_packets(c, i)
        cmd = c.ns.exec_prefix() + [sys.executable, "-c", SENDER, BRIDGE, node_mac(i), str(FRAMES_PER_NODE),
                                    str(LINK_JUMBO + 14), str(BURST), str(PAUSE)]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
        assert r.returncode == 0, r.stdout
        delivered = tap_tx_packets(c, i) - before  # the junk did reach the NIC
        assert delivered >= FRAMES_PER_NODE * MIN_SHARE_DELIVERED, delivered
    for i in range(2):
        ok, out = ping_ok(c, i)
        assert ok, (out, c.nodes[i].log_text()[-3000:])
        assert c.nodes[i].alive(), c.nodes[i].log_text()[-3000:]
        log = c.nodes[i].log_text()
        assert "EXCEPTION" not in log and "panic" not in log, log[-3000:]
