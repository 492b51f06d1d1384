# SPDX-License-Identifier: MIT
"""pytest set-up for the QEMU tiers (tests/qemu and tests/cluster).

Fixtures: the kernel and ISO of $DSMK_BUILD (default build, so parallel BUILD dirs work)
and `boot`, which runs one node to its end. Hooks: the run ends with one line
`qemu: N passed, N failed` (errors count as failures), and "no tests ran" (pytest's
exit code 5) is turned into a failure instead of passing silently.
"""
import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tools"))

from dsmkpy.node import boot_once  # noqa: E402
from dsmkpy.qemu import NodeSpec  # noqa: E402
from dsmkpy.testing import iso_path, kernel_path  # noqa: E402

NO_TESTS_COLLECTED = 5  # pytest.ExitCode.NO_TESTS_COLLECTED
_counts = {"passed": 0, "failed": 0, "nothing_ran": 0}


@pytest.fixture(scope="session")
def kernel():
    path = kernel_path()
    if not os.path.exists(path):
        pytest.fail("no kernel at %s: run make first" % path)
    return path


@pytest.fixture(scope="session")
def built_iso():
    path = iso_path()
    if not os.path.exists(path):
        pytest.fail("no ISO at %s: run make iso first" % path)
    return path


class BootResult:
    """How one boot ended: QEMU status (None if it had to be killed) and the COM1 text."""

    def __init__(self, status, log):
        self.status = status
        self.log = log

    def lines(self):
        return self.log.splitlines()

    def __repr__(self):
        return "BootResult(status=%r, log=\n%s)" % (self.status, self.log)


@pytest.fixture
def boot(kernel, tmp_path):
    """boot(append="", iso=None, modules=(), timeout=30) -> BootResult of one TCG node."""
    counter = [0]

    def run(append="", iso=None, modules=(), timeout=30.0, mem_mb=128):
        rundir = tmp_path / ("boot%d" % counter[0])
        counter[0] += 1
        spec = NodeSpec(0, str(rundir), kernel=kernel, boot="iso" if iso else "kernel", iso=iso, append=append,
                        modules=modules, mem_mb=mem_mb)
        return BootResult(*boot_once(spec, timeout=timeout))

    return run


def pytest_terminal_summary(terminalreporter):
    # stats is session-wide (per-directory hooks would miss tests/cluster); errors in
    # set-up, teardown or collection count as failures
    stats = terminalreporter.stats
    _counts["passed"] = len([r for r in stats.get("passed", []) if getattr(r, "when", "call") == "call"])
    _counts["failed"] = len(stats.get("failed", [])) + len(stats.get("error", []))


def pytest_sessionfinish(session, exitstatus):
    if exitstatus == NO_TESTS_COLLECTED:
        _counts["nothing_ran"] = 1  # counted apart: the terminal summary runs after this hook
        session.exitstatus = 1


def pytest_unconfigure(config):
    # after pytest's own summary, so it is the last line of the run
    print("qemu: %d passed, %d failed" % (_counts["passed"], _counts["failed"] + _counts["nothing_ran"]), flush=True)
