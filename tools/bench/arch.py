#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""CPU-path micro-benchmarks (issue 2, arch): boots the kernel once with the arch_bench_*
ktests (arch/x86_64/arch_bench.c) and merges their figures into bench.json: a claimed #PF
round trip (the fixed cost of every DSM fault), a claimed #BP, self-IPI latency, and timer
wake-up lateness from halt. Medians with the 99th percentile as an extra field. TCG: the
emulator dominates these numbers; compare runs on the same machine only."""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from dsmkpy.bench import merge_results  # noqa: E402
from dsmkpy.qemu import NodeSpec, build_qemu_args  # noqa: E402

TIMEOUT_S = 120
QEMU_EXIT_OK = 33
LINE = re.compile(r"^bench: (\w+) median=(\d+) p99=(\d+) (\w+)$", re.MULTILINE)
WHAT = {
    "trap_page_fault_round_trip": "claimed #PF: fault, handler fixes RIP, iretq (kernel mode)",
    "trap_breakpoint_round_trip": "claimed int3: trap, handler, iretq",
    "irq_self_ipi_latency": "LAPIC self-IPI sent to its handler running",
    "timer_wakeup_lateness": "timer callback time minus deadline, 200 us timers, woken from hlt",
}


def main():
    kernel = os.path.join(os.environ.get("DSMK_BUILD", "build"), "dsmk.elf")
    with tempfile.TemporaryDirectory(prefix="dsmk-bench-arch-") as rundir:
        spec = NodeSpec(0, rundir, kernel=kernel, append="ktest ktest.filter=arch_bench", accel="tcg")
        args = build_qemu_args(spec)
        args[args.index("file:" + spec.log)] = "stdio"
        proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                              timeout=TIMEOUT_S, check=False)
    log = proc.stdout.decode(errors="replace").replace("\r", "")
    figures = {}
    for name, median, p99, unit in LINE.findall(log):
        figures["arch_" + name] = dict(value=int(median), unit=unit, p99=int(p99), accel="tcg",
                                       what=WHAT.get(name, name))
    if proc.returncode != QEMU_EXIT_OK or len(figures) != len(WHAT):
        print("arch: QEMU status %d, %d of %d figures; log:\n%s" % (proc.returncode, len(figures), len(WHAT), log))
        return 1
    merge_results(figures)
    for name in sorted(figures):
        print("arch: %s median %d %s (p99 %d)" % (name, figures[name]["value"], figures[name]["unit"],
                                                  figures[name]["p99"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
