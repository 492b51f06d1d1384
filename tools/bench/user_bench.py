#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""User-space bench (issue 4): system call round trip (getpid) and thread create+join, each
measured by the bundled bench programs (user/bench_getpid.c, user/bench_thread.c) natively
on this host and on dsmk (one node, `tools/dsmk run`) in the same run. Merges into
$DSMK_BUILD/bench.json: {"syscall_getpid_ns": {"value": dsmk, "unit": "ns", "native": ..,
"ratio": dsmk/native, "accel": "tcg"|"kvm"}, "thread_create_join_us": {...}}.
Native figures are the median of NATIVE_RUNS runs; dsmk's are one run with fewer
iterations (TCG is slow). The host is shared and 2-core: expect +-30 % between runs."""
import os
import statistics
import subprocess
import sys
import tempfile

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, TOOLS)

from dsmkpy.accel import choose_accel  # noqa: E402
from dsmkpy.bench import merge_results  # noqa: E402

REPO = os.path.dirname(os.path.abspath(TOOLS))
DSMK = os.path.join(REPO, "tools", "dsmk")
NATIVE_RUNS = 5
DSMK_TIMEOUT = 300
# figure name -> (program, unit, native iterations, dsmk iterations)
BENCHES = {
    "syscall_getpid_ns": ("bench_getpid", "ns", 1000000, 50000),
    "thread_create_join_us": ("bench_thread", "us", 5000, 500),
}


def parse_figure(name, text):
    """The value of the `bench NAME VALUE ...` line in text, or None."""
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 3 and words[0] == "bench" and words[1] == name:
            return float(words[2])
    return None


def run_native(path, iterations):
    out = subprocess.run([path, str(iterations)], capture_output=True, text=True, timeout=120, check=True)
    return out.stdout


def run_dsmk(path, iterations, run_root):
    env = dict(os.environ, DSMK_RUN_ROOT=run_root)
    out = subprocess.run([DSMK, "run", "-n", "1", "--timeout", str(DSMK_TIMEOUT), path, str(iterations)],
                         capture_output=True, text=True, timeout=DSMK_TIMEOUT + 30, env=env)
    if out.returncode != 0:
        raise RuntimeError("dsmk run %s failed with status %d: %s" % (os.path.basename(path), out.returncode,
                                                                      out.stderr[-2000:]))
    return out.stdout


def main():
    user_dir = os.path.join(REPO, os.environ.get("DSMK_BUILD", "build"), "user")
    accel = choose_accel()
    figures, failed = {}, []
    with tempfile.TemporaryDirectory(prefix="dsmk-bench-user-") as run_root:
        for name, (program, unit, native_iters, dsmk_iters) in BENCHES.items():
            path = os.path.join(user_dir, program)
            try:
                natives = [parse_figure(name, run_native(path, native_iters)) for _ in range(NATIVE_RUNS)]
                if None in natives:
                    raise RuntimeError("%s printed no `bench %s` line natively" % (program, name))
                native = statistics.median(natives)
                value = parse_figure(name, run_dsmk(path, dsmk_iters, run_root))
                if value is None:
                    raise RuntimeError("%s printed no `bench %s` line on dsmk" % (program, name))
            except (OSError, RuntimeError, subprocess.SubprocessError) as e:
                print("user_bench: %s: %s" % (name, e), file=sys.stderr)
                failed.append(name)
                continue
            figures[name] = dict(value=value, unit=unit, native=native, ratio=round(value / native, 3),
                                 accel=accel, iterations=dsmk_iters, native_iterations=native_iters)
            print("user_bench: %s dsmk %.2f %s, native %.2f %s, ratio %.2f (%s)" % (
                name, value, unit, native, unit, value / native, accel))
    if figures:
        merge_results(figures)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
