# SPDX-License-Identifier: MIT
"""One running QEMU node: start, liveness, exit status, stop (PLUMBING.md sections 6, 12).

Stopping asks QMP quit first, then SIGTERM, then SIGKILL, and only ever signals the PID we
started (or, from another process, a PID whose command line still names our QMP socket).
"""
import os
import signal
import subprocess
import time

from .logs import read_text, wait_for_line
from .qemu import build_qemu_args
from .qmp import qmp_quit

STOP_GRACE_SECONDS = 2.0


def pid_is_ours(pid, marker):
    """True if pid is alive and its command line contains marker (a path we own)."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return marker.encode() in f.read()
    except (OSError, ValueError):
        return False


class Node:
    """A QEMU process for a NodeSpec; status is None while it runs."""

    def __init__(self, spec, prefix=()):
        self.spec = spec
        self.prefix = list(prefix)  # e.g. `ip netns exec NS`, which execs so the PID is QEMU's
        self.proc = None
        self.pid = None
        self.status = None

    def argv(self):
        return self.prefix + build_qemu_args(self.spec)

    def start(self):
        """Starts QEMU in its own session (so a terminal ^C reaches only us)."""
        os.makedirs(self.spec.rundir, exist_ok=True)
        for path in (self.spec.log, self.spec.stdout, self.spec.stderr, self.spec.files):
            open(path, "wb").close()  # a fresh empty file, so readers never see an old run
        with open(self.spec.path("argv"), "w") as f:
            f.write(" ".join(self.argv()) + "\n")
        err = open(self.spec.path("qemu-stderr"), "wb")
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL, stdout=err, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        err.close()
        self.pid = self.proc.pid

    def poll(self):
        """The exit status, or None while running."""
        if self.status is None and self.proc is not None:
            self.status = self.proc.poll()
        elif self.status is None and self.pid is not None and not pid_is_ours(self.pid, self.spec.qmp):
            self.status = -1  # started by another process and gone; its status is unknown
        return self.status

    def alive(self):
        return self.poll() is None

    def wait(self, timeout):
        """Waits up to timeout seconds; returns the status (None if still running)."""
        deadline = time.monotonic() + timeout
        while self.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.status

    def wait_for_line(self, pattern, timeout, start=0):
        return wait_for_line(self.spec.log, pattern, timeout, alive=self.alive, start=start)

    def log_text(self):
        return read_text(self.spec.log)

    def qemu_stderr(self):
        return read_text(self.spec.path("qemu-stderr"))

    def _signal(self, sig):
        if self.alive() and (self.proc is not None or pid_is_ours(self.pid, self.spec.qmp)):
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def stop(self):
        """Ends the node if it runs: QMP quit, then SIGTERM, then SIGKILL."""
        if self.pid is None or not self.alive():
            return self.status
        self._signal(signal.SIGCONT)  # a SIGSTOPped QEMU answers nothing
        qmp_quit(self.spec.qmp, timeout=1.0)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.wait(STOP_GRACE_SECONDS) is not None:
                break
            self._signal(sig)
        self.wait(STOP_GRACE_SECONDS)
        return self.status


def boot_once(spec, timeout=30.0):
    """Runs one node to its end (or kills it after timeout); returns (status, COM1 text).
    status is None if it had to be killed."""
    node = Node(spec)
    node.start()
    try:
        status = node.wait(timeout)
    finally:
        node.stop()
    return status, node.log_text()
