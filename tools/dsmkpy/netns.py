# SPDX-License-Identifier: MIT
"""A private network namespace with one bridge and a tap per node (PLUMBING.md 4 and 5).

Bridge: STP off and forward_delay 0 (a tap forwards as soon as QEMU opens it), multicast
snooping off; taps exist before QEMU starts (else QEMU silently makes an isolated one).
The bridge has 10.77.0.1/24 and fd77::1/64 (dnsmasq's RA needs an IPv6 address). Nothing
is created outside the namespace; deleting it removes the bridge, the taps and nft tables.
"""
import os
import random
import subprocess

BRIDGE = "br0"
BRIDGE_IPV4 = "10.77.0.1"
BRIDGE_PREFIX = 24
BRIDGE_IPV6 = "fd77::1/64"
NODE_IPV4_BASE = 10          # node I gets 10.77.0.(10 + I) from DHCP
BRIDGE_AGEING_CS = 30000     # centiseconds (300 s): normal learning
DEFAULT_MTU = 1500
NETNS_PREFIX = "dsmk-"


def node_ipv4(index):
    """The address DHCP gives node index."""
    return "10.77.0.%d" % (NODE_IPV4_BASE + index)


def tap_name(index):
    return "tap%d" % index


def unique_netns_name():
    """dsmk-<our pid>-<random>: unique per process and per call."""
    return "%s%d-%06x" % (NETNS_PREFIX, os.getpid(), random.getrandbits(24))


def _run(args, check=True):
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(args), r.stderr.strip()))
    return r


class Netns:
    """Creates the namespace in create(); delete() is safe to call more than once."""

    def __init__(self, name=None, mtu=DEFAULT_MTU):
        self.name = name or unique_netns_name()
        self.mtu = mtu or DEFAULT_MTU
        self.created = False

    def ip(self, *args, check=True):
        """Runs `ip -n NS ARGS`."""
        return _run(["ip", "-n", self.name] + list(args), check=check)

    def exec_prefix(self):
        """Prefix for running a command inside the namespace (exec keeps the PID)."""
        return ["ip", "netns", "exec", self.name]

    def create(self, taps):
        """Makes the namespace, the bridge and `taps` taps (tap0..), all up."""
        _run(["ip", "netns", "add", self.name])
        self.created = True
        self.ip("link", "set", "lo", "up")
        self.ip("link", "add", BRIDGE, "type", "bridge", "stp_state", "0", "forward_delay", "0",
                "mcast_snooping", "0", "ageing_time", str(BRIDGE_AGEING_CS))
        self.ip("link", "set", BRIDGE, "mtu", str(self.mtu))
        self.ip("addr", "add", "%s/%d" % (BRIDGE_IPV4, BRIDGE_PREFIX), "dev", BRIDGE)
        self.ip("addr", "add", BRIDGE_IPV6, "dev", BRIDGE, "nodad")
        self.ip("link", "set", BRIDGE, "up")
        for i in range(taps):
            self.add_tap(i)

    def add_tap(self, index):
        tap = tap_name(index)
        self.ip("tuntap", "add", tap, "mode", "tap")
        self.ip("link", "set", tap, "mtu", str(self.mtu))
        self.ip("link", "set", tap, "master", BRIDGE)
        self.ip("link", "set", tap, "up")
        return tap

    def set_tap(self, index, up):
        """Partition (down) or heal (up) node index at the bridge port."""
        self.ip("link", "set", tap_name(index), "up" if up else "down")

    def nft(self, ruleset):
        """Loads an nft ruleset text inside the namespace."""
        r = subprocess.run(self.exec_prefix() + ["nft", "-f", "-"], input=ruleset, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode != 0:
            raise RuntimeError("nft: %s" % r.stderr.strip())

    def nft_delete_table(self, family, table):
        _run(self.exec_prefix() + ["nft", "delete", "table", family, table], check=False)

    def exists(self):
        return os.path.exists(os.path.join("/run/netns", self.name))

    def delete(self):
        if self.exists():
            _run(["ip", "netns", "del", self.name], check=False)
        self.created = False
