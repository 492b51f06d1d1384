# SPDX-License-Identifier: MIT
"""Reading serial logs that QEMU is still writing (PLUMBING.md section 10).

QEMU writes -serial file: logs unbuffered, so a reader polls with a deadline; lines may
end with \\r\\n. A partial last line is never matched until its newline arrives.
"""
import re
import time

POLL_SECONDS = 0.02
# kernel/program.c program_exit's line. The newline is part of the pattern: QEMU may have
# written "status 1" of "status 139" when a reader looks (it once read a SIGSEGV as status 1).
PROGRAM_EXIT_LINE = re.compile(r"dsmk: program exited with status (\d+)\n")


class LogTimeout(TimeoutError):
    """wait_for_line gave up; .text holds what the log said so far."""

    def __init__(self, pattern, path, text, why):
        super().__init__("%s: no line matching %r in %s" % (why, pattern, path))
        self.text = text


def read_text(path):
    """The whole log as text ('' if it does not exist yet), \\r removed."""
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace").replace("\r", "")
    except FileNotFoundError:
        return ""


def wait_for_line(path, pattern, timeout, alive=None, start=0):
    """Returns the first complete line at or after text offset `start` matching regex `pattern`.

    Raises LogTimeout after `timeout` seconds, or as soon as alive() returns False
    (the QEMU behind the log has exited) and the log holds no match.
    """
    rx = re.compile(pattern)
    deadline = time.monotonic() + timeout
    while True:
        dead = alive is not None and not alive()
        text = read_text(path)[start:]
        complete = text if dead else text[: text.rfind("\n") + 1]
        for line in complete.splitlines():
            if rx.search(line):
                return line
        if dead:
            raise LogTimeout(pattern, path, text, "QEMU exited")
        if time.monotonic() >= deadline:
            raise LogTimeout(pattern, path, text, "timed out after %.1fs" % timeout)
        time.sleep(POLL_SECONDS)


def program_exit_status(text):
    """The status on the program's exit line in a node 0 log text, None while there is no
    complete one."""
    m = PROGRAM_EXIT_LINE.search(text)
    return int(m.group(1)) if m else None


# kernel/log.c: "[    0.392069] error uvm: ..." - the level word after the time stamp.
KERNEL_ERROR_LINE = re.compile(r"^\[\s*\d+\.\d+\]\s+error\s+(.*?)\r?$", re.M)
KILL_REPORT_MAX_LINES = 8


def kill_report(node_logs, mem_mb):
    """Why a program ended by a signal, from its nodes' log texts (index = node): the
    kernel's error lines (a thread killed, what it faulted on, memory running out), the
    last KILL_REPORT_MAX_LINES of them over all nodes, each as "node N: ...", and a hint
    when a node ran out of memory, the way a shell says "Killed"."""
    lines = []
    for node, text in enumerate(node_logs):
        lines += ["node %d: %s" % (node, m.group(1)) for m in KERNEL_ERROR_LINE.finditer(text)]
    lines = lines[-KILL_REPORT_MAX_LINES:]
    if any("out of memory" in line for line in lines):
        lines.append("a node ran out of memory: each has %d MiB (--mem MB gives more)" % mem_mb)
    return lines


class LogFollower:
    """Yields new bytes of a growing file; the caller decides when to stop."""

    def __init__(self, path):
        self.path = path
        self.pos = 0

    def read_new(self):
        """Bytes appended since the last call (b'' if none or no file yet)."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read()
        except FileNotFoundError:
            return b""
        self.pos += len(data)
        return data
