# SPDX-License-Identifier: MIT
"""Issue 4 acceptance limits, each compared with the same program natively: 64 threads
alive at once (and 1000: before, a node held 127), a 256 MiB bss array touched sparsely (lazy zero pages: the node has less
RAM than that), and 10,000 thread create/join cycles (user/limits.c)."""
import pytest

from test_programs import assert_same, program_path, require_dsmk, run_dsmk, run_native

CASES = [
    # (args, node RAM in MiB or None for the launcher's default, timeout in s)
    (["threads", "64"], None, 180),
    (["threads", "1000"], None, 180),  # a node's table holds 1024 (kernel/thread.h THREAD_MAX)
    (["bss"], 128, 180),
    (["cycles", "10000"], None, 420),
]


@pytest.mark.parametrize("args,mem_mb,timeout", CASES, ids=["-".join(c[0]) for c in CASES])
def test_limit(args, mem_mb, timeout, tmp_path):
    path = program_path("limits")
    native = run_native(path, args)
    assert native.returncode == 0, native
    require_dsmk(tmp_path)
    assert_same(native, run_dsmk(path, args, tmp_path, mem_mb=mem_mb, timeout=timeout))
