# SPDX-License-Identifier: MIT
"""The files a program wrote, as node 0 sends them on COM4 at the program's exit
(kernel/file_store.c, files.out=): for each path asked for, a line "dsmk-file SIZE PATH"
and SIZE bytes, or "dsmk-file -1 PATH" when the program made no such file."""
import os

HEADER = b"dsmk-file "


def kernel_word(guest_paths):
    """The kernel command-line word that asks for guest_paths (absolute, no spaces or commas)."""
    for path in guest_paths:
        if not path.startswith("/") or " " in path or "," in path:
            raise ValueError("--out %s: the guest path must be absolute, with no spaces or commas" % path)
    return "files.out=" + ",".join(guest_paths)


def parse(stream):
    """{guest path: bytes, or None when the program made no such file} from COM4's bytes;
    ValueError on a stream that is cut short or not in this format."""
    files, pos = {}, 0
    while pos < len(stream):
        end = stream.find(b"\n", pos)
        if end < 0 or not stream.startswith(HEADER, pos):
            raise ValueError("files stream: no header at byte %d" % pos)
        size_text, _, path = stream[pos + len(HEADER):end].decode(errors="replace").partition(" ")
        size = int(size_text)
        pos = end + 1
        if size < 0:
            files[path] = None
            continue
        if pos + size > len(stream):
            raise ValueError("files stream: %s cut short (%d of %d bytes)" % (path, len(stream) - pos, size))
        files[path] = stream[pos:pos + size]
        pos += size
    return files


def parse_specs(specs):
    """--out GUEST[:HOST] values as [(guest path, host path)]; HOST defaults to ./NAME."""
    out = []
    for spec in specs:
        guest, sep, host = spec.partition(":")
        out.append((guest, os.path.abspath(host if sep else os.path.basename(guest))))
    return out


def save(stream_path, wanted):
    """Writes each wanted (guest, host) file that COM4's stream at stream_path holds; returns
    the guest paths the program did not write."""
    with open(stream_path, "rb") as f:
        files = parse(f.read())
    missing = []
    for guest, host in wanted:
        data = files.get(guest)
        if data is None:
            missing.append(guest)
            continue
        with open(host, "wb") as f:
            f.write(data)
    return missing
