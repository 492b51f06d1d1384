#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Runs test tiers (make targets) one after another and totals their verdicts.

Each tier ends with a line "N passed, N failed" (optionally after one "word:").
Prints every tier's output as it comes, then a summary and the total verdict line;
exits nonzero if any tier failed, printed no verdict, or counted a failure.
Usage: run_tiers.py MAKE_TARGET...
"""
import os
import re
import subprocess
import sys
import time

VERDICT = re.compile(r"^(?:\w[\w-]*:\s*)?(\d+) passed, (\d+) failed")


def run_tier(target):
    start = time.monotonic()
    proc = subprocess.Popen(["make", "--no-print-directory", target], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace")
    verdict = None
    for line in proc.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        m = VERDICT.match(line.strip())
        if m:
            verdict = (int(m.group(1)), int(m.group(2)))
    rc = proc.wait()
    return rc, verdict, time.monotonic() - start


def main() -> int:
    rows, total_pass, total_fail, bad = [], 0, 0, False
    for target in sys.argv[1:]:
        print("=== %s" % target, flush=True)
        rc, verdict, secs = run_tier(target)
        if verdict is None:
            verdict = (0, 1)
            bad = True
        if rc != 0:
            bad = True
        total_pass += verdict[0]
        total_fail += verdict[1]
        rows.append((target, verdict, rc, secs))
    print("\n=== summary")
    for target, (p, f), rc, secs in rows:
        print("%-14s %5d passed %4d failed  rc=%d  %6.1fs" % (target, p, f, rc, secs))
    if bad and total_fail == 0:
        total_fail = 1
    print("%d passed, %d failed" % (total_pass, total_fail))
    return 1 if bad or total_fail else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
