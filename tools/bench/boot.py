#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Boot time bench (issue 2): boot_wall_ms = median of 10 TCG boots from QEMU start to the
ready line on COM1 (read from a pipe, so no polling delay), and boot_kernel_ms = the
kernel's own figure from the ready line (`ready in N.NNN ms`), each with min and max.
The host is shared and 2-core, so expect +-30 % between runs (PLUMBING.md)."""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from dsmkpy.bench import merge_results  # noqa: E402
from dsmkpy.qemu import NodeSpec, build_qemu_args  # noqa: E402

BOOTS = 10
BOOT_TIMEOUT = 30.0
READY = re.compile(rb"dsmk: ready")
KERNEL_FIGURE = re.compile(rb"ready in (\d+(?:\.\d+)?) ms")


def boot_once(kernel, rundir):
    """(wall ms to the ready line, kernel ms or None) for one boot with `shutdown`."""
    spec = NodeSpec(0, rundir, kernel=kernel, append="shutdown", accel="tcg")
    args = build_qemu_args(spec)
    args[args.index("file:" + spec.log)] = "stdio"
    t0 = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        wall, kernel_ms = None, None
        deadline = t0 + BOOT_TIMEOUT
        for line in proc.stdout:
            if READY.search(line):
                wall = (time.monotonic() - t0) * 1000.0
                m = KERNEL_FIGURE.search(line)
                kernel_ms = float(m.group(1)) if m else None
                break
            if time.monotonic() > deadline:
                break
        proc.wait(BOOT_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if wall is None:
        raise RuntimeError("no ready line")
    return wall, kernel_ms


def figure(samples, unit, **extra):
    return dict(value=round(statistics.median(samples), 3), unit=unit, min=round(min(samples), 3),
                max=round(max(samples), 3), runs=len(samples), accel="tcg", **extra)


def main():
    kernel = os.path.join(os.environ.get("DSMK_BUILD", "build"), "dsmk.elf")
    walls, kernels = [], []
    with tempfile.TemporaryDirectory(prefix="dsmk-bench-boot-") as rundir:
        for _ in range(BOOTS):
            wall, kernel_ms = boot_once(kernel, rundir)
            walls.append(wall)
            if kernel_ms is not None:
                kernels.append(kernel_ms)
    figures = {"boot_wall_ms": figure(walls, "ms", what="QEMU start to the ready line, -kernel boot")}
    if kernels:
        figures["boot_kernel_ms"] = figure(kernels, "ms", what="the kernel's own clock at the ready line")
    else:
        print("boot: the ready line carries no `ready in N ms` figure yet; boot_kernel_ms not measured")
    merge_results(figures)
    print("boot: wall median %.1f ms (min %.1f, max %.1f)" % (statistics.median(walls), min(walls), max(walls)))
    return 0 if kernels else 1


if __name__ == "__main__":
    sys.exit(main())
