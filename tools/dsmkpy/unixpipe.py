# SPDX-License-Identifier: MIT
"""Relays stdin/stdout to a unix socket, so gdb can reach a node's gdbstub with
`target remote | python3 -m dsmkpy.unixpipe PATH` (QEMU -gdb unix:PATH; the socket works
from outside the node's network namespace, a TCP port would not). Ends when either side closes.
"""
import os
import select
import socket
import sys

CHUNK = 65536


def relay(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    stdin, stdout = sys.stdin.fileno(), sys.stdout.fileno()
    while True:
        ready, _, _ = select.select([stdin, s], [], [])
        if stdin in ready:
            data = os.read(stdin, CHUNK)
            if not data:
                return 0
            s.sendall(data)
        if s in ready:
            data = s.recv(CHUNK)
            if not data:
                return 0
            os.write(stdout, data)


if __name__ == "__main__":
    sys.exit(relay(sys.argv[1]))
