# SPDX-License-Identifier: MIT
"""A rogue sender inside a cluster's namespace (issue 3 acceptance, tests/cluster/test_rogue.py).

Runs as `ip netns exec NS python3 -m dsmkpy.rogue attack ...` (stdlib only, AF_PACKET):
captures the frames on one node's tap while the cluster talks, then writes, straight
into each target node's tap: malformed Ethernet/IPv4/UDP (bad lengths, bad checksums,
truncated and oversized UDP, garbage), cluster transport messages with forged tags
(net/transport_codec.h: 48-byte header, payload, 16-byte SipHash tag), and replays of
captured valid transport messages (DATA, and ACK/HELLO; whole IP fragment groups). Prints
one JSON object: per target, how many frames of each kind were sent. It never builds a
valid tag: it has no key. Wire formats: RFC 791 (IPv4), RFC 768 (UDP), RFC 1071 (checksum).
"""
import argparse
import json
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from dsmkpy.netns import node_ipv4, tap_name  # noqa: E402
from dsmkpy.qemu import node_mac  # noqa: E402

ETH_P_ALL = 0x0003          # linux/if_ether.h: every protocol
ETH_TYPE_IPV4 = 0x0800
ETH_TYPE_GARBAGE = 0x88B6   # IEEE 802 local experimental ethertype 2: nobody's protocol
ETH_HEADER_LEN = 14
ETH_MIN_FRAME = 60          # IEEE 802.3 minimum without FCS
IP_PROTO_UDP = 17
IPV4_HEADER_LEN = 20
IPV4_FLAG_MF = 0x2000
IPV4_OFFSET_MASK = 0x1FFF
IPV4_FRAG_UNIT = 8
UDP_HEADER_LEN = 8
TRANSPORT_UDP_PORT = 7411   # net/net_defs.h
TRANSPORT_MAGIC = 0x444B    # "DK", net/transport_codec.h
TRANSPORT_VERSION = 1
TRANSPORT_KIND_DATA = 1
TRANSPORT_KIND_ACK = 2
TRANSPORT_KIND_HELLO = 3
TRANSPORT_HEADER_LEN = 48
TRANSPORT_TAG_LEN = 16
TRANSPORT_MAX_MSG = 8192
TRANSPORT_TYPE_USER = 63    # the rpc test's request type (TRANSPORT_TYPE_COUNT - 1)
ROGUE_MAC = "02:00:00:00:be:ef"  # locally administered, not any node's
MTU = 1500
PACE_SECONDS = 0.001        # between injected frames, so no NIC ring overflows
MAX_REPLAYS = 40            # captured messages replayed per target and class


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def ip_bytes(text):
    return socket.inet_aton(text)


def checksum(data):
    """RFC 1071 Internet checksum."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(dst, src, ethertype, payload):
    frame = mac_bytes(dst) + mac_bytes(src) + struct.pack("!H", ethertype) + payload
    return frame + b"\0" * max(0, ETH_MIN_FRAME - len(frame))


def ipv4(src, dst, payload, ident=1, frag=0, total_len=None, ihl=5, proto=IP_PROTO_UDP, bad_checksum=False):
    """An IPv4 header (ihl words, zero options) and payload; total_len overrides the length."""
    options = b"\0" * max(0, (ihl - 5) * 4)
    length = total_len if total_len is not None else IPV4_HEADER_LEN + len(options) + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, length & 0xFFFF, ident, frag, 64, proto, 0,
                    ip_bytes(src), ip_bytes(dst)) + options
    csum = checksum(h) ^ (0x5555 if bad_checksum else 0)
    return h[:10] + struct.pack("!H", csum) + h[12:] + payload


def udp(src, dst, sport, dport, payload, length=None, bad_checksum=False, no_checksum=False):
    ulen = length if length is not None else UDP_HEADER_LEN + len(payload)
    h = struct.pack("!HHHH", sport, dport, ulen & 0xFFFF, 0)
    if no_checksum:
        return h + payload
    pseudo = ip_bytes(src) + ip_bytes(dst) + struct.pack("!BBH", 0, IP_PROTO_UDP, UDP_HEADER_LEN + len(payload))
    csum = checksum(pseudo + h + payload) or 0xFFFF
    if bad_checksum:
        csum = csum ^ 0x00FF or 0x0001
    return h[:6] + struct.pack("!H", csum) + payload


def transport_forged(src_node, dst_node, seq, payload_len=64):
    """A well-formed transport DATA request whose tag is random: only the key could make it."""
    payload = os.urandom(payload_len)
    header = struct.pack("!HBBBBBB", TRANSPORT_MAGIC, TRANSPORT_VERSION, TRANSPORT_KIND_DATA, TRANSPORT_TYPE_USER,
                         1, src_node, dst_node)
    header += struct.pack("!QQIIIHHQ", int.from_bytes(os.urandom(8), "big"), int.from_bytes(os.urandom(8), "big"),
                          seq, 0, 0, payload_len, 0, seq)
    assert len(header) == TRANSPORT_HEADER_LEN
    return header + payload + os.urandom(TRANSPORT_TAG_LEN)


class Node:
    """Addresses of cluster node index."""

    def __init__(self, index):
        self.index = index
        self.mac = node_mac(index)
        self.ip = node_ipv4(index)


def udp_frame(src, dst, payload, **udp_args):
    """A transport-port UDP frame from node src to node dst."""
    return eth(dst.mac, src.mac, ETH_TYPE_IPV4,
               ipv4(src.ip, dst.ip, udp(src.ip, dst.ip, TRANSPORT_UDP_PORT, TRANSPORT_UDP_PORT, payload, **udp_args)))


def malformed_frames(target, peer):
    """{kind: [frames]} of broken Ethernet/IPv4/UDP towards target, 'from' peer."""
    good_udp = udp(peer.ip, target.ip, TRANSPORT_UDP_PORT, TRANSPORT_UDP_PORT, b"x" * 64)
    ip_packet = ipv4(peer.ip, target.ip, good_udp)
    out = {
        # an 802.3 length field where the ethertype belongs, and a protocol nobody speaks
        "eth_length_field": [eth(target.mac, peer.mac, 0x0100, b"\0" * 46) for _ in range(5)],
        "eth_garbage_type": [eth(target.mac, ROGUE_MAC, ETH_TYPE_GARBAGE, os.urandom(200)) for _ in range(5)],
        "ip_bad_checksum": [eth(target.mac, peer.mac, ETH_TYPE_IPV4, ipv4(peer.ip, target.ip, good_udp,
                                                                          bad_checksum=True)) for _ in range(10)],
        "ip_total_len_too_big": [eth(target.mac, peer.mac, ETH_TYPE_IPV4,
                                     ipv4(peer.ip, target.ip, good_udp, total_len=1400)) for _ in range(5)],
        "ip_bad_ihl": [eth(target.mac, peer.mac, ETH_TYPE_IPV4, bytes([0x43]) + ip_packet[1:]) for _ in range(5)],
        "ip_truncated_header": [eth(target.mac, peer.mac, ETH_TYPE_IPV4, ip_packet[:12])[:ETH_HEADER_LEN + 12]
                                for _ in range(5)],  # a runt: 26 bytes on the wire
        "udp_bad_checksum": [udp_frame(peer, target, b"y" * 64, bad_checksum=True) for _ in range(10)],
        "udp_truncated": [udp_frame(peer, target, b"z" * 64, length=UDP_HEADER_LEN + 64 + 400, no_checksum=True)
                          for _ in range(10)],
        "udp_short_header": [eth(target.mac, peer.mac, ETH_TYPE_IPV4,
                                 ipv4(peer.ip, target.ip, b"\x1c\xf3\x1c")) for _ in range(5)],
        "transport_too_short": [udp_frame(peer, target, os.urandom(20), no_checksum=True) for _ in range(5)],
        "garbage_ipv4": [eth(target.mac, peer.mac, ETH_TYPE_IPV4, os.urandom(300)) for _ in range(10)],
    }
    out["udp_oversized"] = oversized_udp(target, peer)
    return out


def oversized_udp(target, peer):
    """Two transport-port UDP datagrams in IP fragments: one larger than any transport
    message (reassembles; the transport refuses it) and one past the largest datagram
    a node reassembles (reassembly refuses it)."""
    frames = []
    for ident, size in ((0x7001, TRANSPORT_MAX_MSG + TRANSPORT_HEADER_LEN + TRANSPORT_TAG_LEN + 200),
                        (0x7002, 12000)):
        payload = udp(peer.ip, target.ip, TRANSPORT_UDP_PORT, TRANSPORT_UDP_PORT, os.urandom(size), no_checksum=True)
        chunk = (MTU - IPV4_HEADER_LEN) // IPV4_FRAG_UNIT * IPV4_FRAG_UNIT
        for off in range(0, len(payload), chunk):
            more = IPV4_FLAG_MF if off + chunk < len(payload) else 0
            part = payload[off:off + chunk]
            ip = ipv4(peer.ip, target.ip, part, ident=ident, frag=more | (off // IPV4_FRAG_UNIT))
            frames.append(eth(target.mac, peer.mac, ETH_TYPE_IPV4, ip))
    return frames


def forged_frames(target, peer, count=20):
    return [udp_frame(peer, target, transport_forged(peer.index, target.index, 1000 + i)) for i in range(count)]


def parse_ipv4(frame):
    """(ip header fields, ip payload) of an IPv4 frame, or None."""
    if len(frame) < ETH_HEADER_LEN + IPV4_HEADER_LEN or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[ETH_HEADER_LEN:]
    ihl = (ip[0] & 0x0F) * 4
    total = struct.unpack("!H", ip[2:4])[0]
    ident, frag = struct.unpack("!HH", ip[4:8])
    return {"id": ident, "mf": bool(frag & IPV4_FLAG_MF), "off": (frag & IPV4_OFFSET_MASK) * IPV4_FRAG_UNIT,
            "proto": ip[9], "src": socket.inet_ntoa(ip[12:16]), "dst": socket.inet_ntoa(ip[16:20])}, ip[ihl:total]


def transport_messages(frames, target, kinds=(TRANSPORT_KIND_DATA,)):
    """Captured transport messages of the given kinds towards target, each as the list of
    frames (IP fragments in order) that carried it."""
    groups, order = {}, []
    for frame in frames:
        if frame[:6] != mac_bytes(target.mac):
            continue
        parsed = parse_ipv4(frame)
        if not parsed or parsed[0]["proto"] != IP_PROTO_UDP or parsed[0]["dst"] != target.ip:
            continue
        h, payload = parsed
        key = (h["src"], h["id"])
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append((h, payload, frame))
    messages = []
    for key in order:
        parts = sorted(groups[key], key=lambda p: p[0]["off"])
        first, last = parts[0], parts[-1]
        if first[0]["off"] != 0 or last[0]["mf"] or len(first[1]) < UDP_HEADER_LEN + TRANSPORT_HEADER_LEN:
            continue  # incomplete capture, or not a transport datagram
        expect = 0
        for h, payload, _ in parts:
            if h["off"] != expect:
                break
            expect += len(payload)
        else:
            dport = struct.unpack("!H", first[1][2:4])[0]
            tp = first[1][UDP_HEADER_LEN:]
            if dport == TRANSPORT_UDP_PORT and tp[3] in kinds:
                messages.append([p[2] for p in parts])
    return messages


def capture(iface, seconds):
    """Every frame seen on iface for seconds (both directions)."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    frames, deadline = [], time.monotonic() + seconds
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if select.select([s], [], [], left)[0]:
                frames.append(s.recv(65536))
    finally:
        s.close()
    return frames


def inject(iface, frames):
    """Writes frames to iface (a tap: they go to its node) at a modest pace."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    try:
        for f in frames:
            s.send(f)
            time.sleep(PACE_SECONDS)
    finally:
        s.close()


def attack(capture_iface, seconds, targets, nodes):
    """Captures, then sends every attack to every target; returns the per-target report."""
    captured = capture(capture_iface, seconds)
    report = {"captured_frames": len(captured), "targets": {}}
    for t in targets:
        target = Node(t)
        peer = Node(next(i for i in range(nodes) if i != t))
        sent = {}
        plan = malformed_frames(target, peer)
        plan["forged_tag"] = forged_frames(target, peer)
        replays = transport_messages(captured, target)[:MAX_REPLAYS]
        plan["replay_frames"] = [f for msg in replays for f in msg]
        control = transport_messages(captured, target, (TRANSPORT_KIND_ACK, TRANSPORT_KIND_HELLO))[:MAX_REPLAYS]
        plan["replay_control_frames"] = [f for msg in control for f in msg]
        for kind, frames in plan.items():
            inject(tap_name(t), frames)
            sent[kind] = len(frames)
        sent["replay_messages"] = len(replays)
        report["targets"][str(t)] = sent
    return report


def main(argv):
    ap = argparse.ArgumentParser(prog="dsmkpy.rogue", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("attack", help="capture on one tap, then attack the target nodes")
    p.add_argument("--capture", default=tap_name(1), help="tap to capture valid traffic on")
    p.add_argument("--seconds", type=float, default=1.0)
    p.add_argument("--nodes", type=int, required=True)
    p.add_argument("--targets", default="0,1", help="comma-separated node indexes")
    args = ap.parse_args(argv)
    targets = [int(t) for t in args.targets.split(",")]
    print(json.dumps(attack(args.capture, args.seconds, targets, args.nodes)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
