# SPDX-License-Identifier: MIT
"""The test-ktest tier: boots the kernel with `ktest` under TCG (kernel/ktest.c), shows its
log, and ends with the verdict line. The tier fails on a nonzero failure count, a missing
verdict line, or a QEMU status other than 33 (EXIT_OK); a status mismatch is counted as one
more failure so the verdict line never reads clean when the run was not.

Usage: python3 -m dsmkpy.ktest_tier KERNEL RUNDIR [WORD...]
"""
import re
import sys

from .node import boot_once
from .qemu import NodeSpec
from .status import QEMU_EXIT_OK, describe_status

KTEST_VERDICT = re.compile(r"ktest: (\d+) passed, (\d+) failed")
KTEST_TIMEOUT = 120.0


def main(argv):
    kernel, rundir, words = argv[0], argv[1], argv[2:]
    spec = NodeSpec(0, rundir, kernel=kernel, append=" ".join(["ktest"] + words), accel="tcg", mem_mb=256)
    status, log = boot_once(spec, timeout=KTEST_TIMEOUT)
    sys.stdout.write(log)
    verdicts = KTEST_VERDICT.findall(log)
    passed, failed = (int(verdicts[-1][0]), int(verdicts[-1][1])) if verdicts else (0, 0)
    problems = []
    if not verdicts:
        problems.append("the kernel printed no ktest verdict line")
    if status != QEMU_EXIT_OK:
        problems.append("QEMU %s, expected %d" % ("was killed after %.0fs" % KTEST_TIMEOUT if status is None
                                                   else describe_status(status), QEMU_EXIT_OK))
    for p in problems:
        print("test-ktest: %s" % p)
    if problems and failed == 0:
        failed = 1
    lines = log.strip().splitlines()
    if problems or not lines or not KTEST_VERDICT.fullmatch(lines[-1].strip()):
        print("ktest: %d passed, %d failed" % (passed, failed))  # the tier's output must end with it
    return 0 if failed == 0 and not problems else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
