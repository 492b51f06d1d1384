# SPDX-License-Identifier: MIT
"""Issue 4 acceptance: the syscall fuzzer (user/sysfuzz.c) makes 100,000 seeded random
system calls on dsmk; the kernel survives and the program ends cleanly with its last line.
sysfuzz runs ONLY on dsmk: random system calls as root on this host could damage it.
A failing seed replays exactly: `tools/dsmk run sysfuzz COUNT SEED v` logs every call.
"""
import pytest

from test_programs import describe, program_path, require_dsmk, run_dsmk

FUZZ_TIMEOUT = 480


@pytest.mark.parametrize("calls,seed", [(100000, 1)])
def test_sysfuzz_kernel_survives(calls, seed, tmp_path):
    require_dsmk(tmp_path)
    proc = run_dsmk(program_path("sysfuzz"), [str(calls), str(seed)], tmp_path, timeout=FUZZ_TIMEOUT)
    assert proc.returncode == 0, describe(proc)
    lines = proc.stdout.decode(errors="replace").splitlines()
    assert lines and lines[-1] == "sysfuzz: %d calls done" % calls, describe(proc)
    assert "sysfuzz: seed=%d " % seed in proc.stdout.decode(errors="replace"), describe(proc)
