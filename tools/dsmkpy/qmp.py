# SPDX-License-Identifier: MIT
"""A QMP client with timeouts (PLUMBING.md section 6, QEMU QMP specification).

One connection per command: greeting, qmp_capabilities, the command, skipping async
events. Every socket operation has a timeout because a SIGSTOPped QEMU never answers.
"""
import json
import socket
import time

QMP_TIMEOUT = 5.0


class QmpError(RuntimeError):
    """QEMU answered with an error, or the connection failed or timed out."""


def _read_reply(f):
    while True:
        line = f.readline()
        if not line:
            raise QmpError("connection closed")
        msg = json.loads(line)
        if "event" not in msg:  # skip STOP/RESUME/SHUTDOWN and other async events
            return msg


def _send(f, msg):
    f.write(json.dumps(msg).encode() + b"\n")
    reply = _read_reply(f)
    if "error" in reply:
        raise QmpError("%s: %s" % (msg["execute"], reply["error"].get("desc", reply["error"])))
    return reply


def qmp_command(path, execute, arguments=None, timeout=QMP_TIMEOUT):
    """Runs one QMP command on the socket at path and returns its "return" value."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
        f = s.makefile("rwb", buffering=0)
        greeting = json.loads(f.readline() or b"{}")
        if "QMP" not in greeting:
            raise QmpError("no QMP greeting on %s" % path)
        _send(f, {"execute": "qmp_capabilities"})
        msg = {"execute": execute}
        if arguments:
            msg["arguments"] = arguments
        reply = _send(f, msg)
        return reply.get("return")
    except (OSError, ValueError) as e:
        raise QmpError("%s on %s: %s" % (execute, path, e)) from e
    finally:
        s.close()


def qmp_wait_socket(path, timeout=QMP_TIMEOUT):
    """Waits until QEMU answers on path (it creates the socket shortly after starting)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return qmp_command(path, "query-status", timeout=max(0.1, deadline - time.monotonic()))
        except QmpError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def qmp_quit(path, timeout=QMP_TIMEOUT):
    """Asks QEMU to quit; the reply may be lost as the socket closes, which is fine."""
    try:
        qmp_command(path, "quit", timeout=timeout)
    except QmpError:
        pass
