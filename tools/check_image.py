#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Checks that a kernel ELF can be loaded through the multiboot a.out kludge.

The kludge loads one contiguous file range to one contiguous physical range, so every
PT_LOAD segment with file bytes must sit at the same distance from the first one in the
file as in physical memory. Also checks the multiboot header is within the first 8 KiB
(Multiboot spec 3.1.1) and that text and ksyms symbols did not move between link passes.
Usage: check_image.py KERNEL.ELF [PASS1_NM PASS2_NM]
"""
import struct
import sys

MB1_MAGIC = 0x1BADB002
MB1_SEARCH_LIMIT = 8192
PT_LOAD = 1


def load_segments(data: bytes):
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise SystemExit("not an ELF64 file")
    e_phoff, = struct.unpack_from("<Q", data, 0x20)
    e_phentsize, e_phnum = struct.unpack_from("<HH", data, 0x36)
    segs = []
    for i in range(e_phnum):
        p_type, _flags, p_offset, _vaddr, p_paddr, p_filesz, _memsz, _align = struct.unpack_from(
            "<IIQQQQQQ", data, e_phoff + i * e_phentsize)
        if p_type == PT_LOAD and p_filesz:
            segs.append((p_offset, p_paddr, p_filesz))
    return segs


def text_symbols(path):
    syms = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[1] in "Tt":
                syms[parts[2]] = parts[0]
    return syms


def main() -> int:
    data = open(sys.argv[1], "rb").read()
    segs = load_segments(data)
    base_off, base_phys, _ = segs[0]
    for off, phys, size in segs:
        if off - base_off != phys - base_phys:
            print("check_image: segment at file 0x%x / phys 0x%x breaks the kludge layout" % (off, phys))
            return 1
    for pos in range(0, min(len(data), MB1_SEARCH_LIMIT) - 4, 4):
        if struct.unpack_from("<I", data, pos)[0] == MB1_MAGIC:
            break
    else:
        print("check_image: no multiboot header in the first 8 KiB")
        return 1
    if len(sys.argv) == 4:
        a, b = text_symbols(sys.argv[2]), text_symbols(sys.argv[3])
        moved = [n for n in a if n in b and a[n] != b[n]]
        if moved:
            print("check_image: text symbols moved between link passes: %s" % ", ".join(moved[:5]))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
