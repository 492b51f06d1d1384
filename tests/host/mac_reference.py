#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Independent reference of the transport MAC (docs/transport-mac.md), written from the
papers in Python integers: SipHash-2-4-128 (Aumasson, Bernstein), two-pass Toeplitz NH over
64-bit words (UMAC), key derivation and tag. Prints the known-answer vectors that
tests/host/test_mac.c holds; run it to re-derive them."""
import struct

M64 = (1 << 64) - 1


def rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & M64


def sipround(v):
    v0, v1, v2, v3 = v
    v0 = (v0 + v1) & M64; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
    v2 = (v2 + v3) & M64; v3 = rotl(v3, 16); v3 ^= v2
    v0 = (v0 + v3) & M64; v3 = rotl(v3, 21); v3 ^= v0
    v2 = (v2 + v1) & M64; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
    return [v0, v1, v2, v3]


def siphash128(key, msg):
    k0, k1 = struct.unpack("<QQ", key)
    v = [k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d ^ 0xee, k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573]
    tail = len(msg) % 8
    words = [struct.unpack("<Q", msg[i:i + 8])[0] for i in range(0, len(msg) - tail, 8)]
    last = (len(msg) & 0xff) << 56
    for i, b in enumerate(msg[len(msg) - tail:]):
        last |= b << (8 * i)
    for m in words + [last]:
        v[3] ^= m
        v = sipround(sipround(v))
        v[0] ^= m
    v[2] ^= 0xee
    for _ in range(4):
        v = sipround(v)
    out = struct.pack("<Q", v[0] ^ v[1] ^ v[2] ^ v[3])
    v[1] ^= 0xdd
    for _ in range(4):
        v = sipround(v)
    return out + struct.pack("<Q", v[0] ^ v[1] ^ v[2] ^ v[3])


def nh(key_words, msg, passes=2):
    padded = msg + bytes(-len(msg) % 16)
    words = [struct.unpack("<Q", padded[i:i + 8])[0] for i in range(0, len(padded), 8)]
    sums = []
    for p in range(passes):
        k = key_words[2 * p:]
        s = 0
        for i in range(0, len(words), 2):
            s += ((words[i] + k[i]) & M64) * ((words[i + 1] + k[i + 1]) & M64)
        sums.append(s % (1 << 128))
    return sums


def derive(secret, nh_words):
    prf = siphash128(secret, struct.pack("<QQ", int.from_bytes(b"dsmk-prf", "little"), 0))
    words = []
    for j in range(nh_words // 2):
        block = siphash128(secret, struct.pack("<QQ", int.from_bytes(b"dsmk-nh\0", "little"), j))
        words += list(struct.unpack("<QQ", block))
    return prf, words


def tag(secret, header, payload, nh_words=8192 // 8 + 2):
    prf, words = derive(secret, nh_words)
    sums = nh(words, payload)
    data = header + struct.pack("<Q", len(payload))
    for s in sums:
        data += struct.pack("<QQ", s & M64, s >> 64)
    return siphash128(prf, data)


def c_bytes(b):
    return "{ " + ", ".join("0x%02x" % x for x in b) + " }"


def main():
    secret = bytes(range(16))
    header = bytes((i * 5 + 1) & 0xff for i in range(48))
    print("prf key:", c_bytes(derive(secret, 2)[0]))
    print("nh[0..3]:", ", ".join("0x%016xull" % w for w in derive(secret, 4)[1]))
    key = [(0x0123456789abcdef * (i + 1)) & M64 for i in range(64)]
    for n in (0, 1, 15, 16, 17, 100):
        s = nh(key, bytes((i * 7 + 3) & 0xff for i in range(n)))
        print("nh len %d:" % n, ", ".join("0x%016xull, 0x%016xull" % (x & M64, x >> 64) for x in s))
    for n in (0, 64, 4095, 4096):
        print("tag len %d:" % n, c_bytes(tag(secret, header, bytes((i * 31 + 7) & 0xff for i in range(n)))))


if __name__ == "__main__":
    main()
