#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write-update bench (issue 6): latency of one store to a write-update page (docs/dsm-
protocol.md 4c: the writer's node sends WU_WRITE to the page's manager, which updates every
copy, collects the acks and releases them) with 1 and with 3 other nodes holding a copy.
A small pthread program (built here with musl-gcc) runs on 4 nodes, one thread per node;
node 0's main thread times each store in user space (trap, decode, sequenced update,
resume). min/median/p99 in us under `fixed` and `central`, each median beside the Linux
guest's 4 KiB UDP round trip and the write-invalidate write fault with as many readers
when bench.json already holds them (tools/bench/net_rtt.py, tools/bench/dsm_bench.py).
Merges into $DSMK_BUILD/bench.json. The host is shared: expect wide run-to-run spread."""
import os
import shutil
import subprocess
import sys
import tempfile

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(BENCH_DIR, ".."))
sys.path.insert(0, BENCH_DIR)

from dsm_bench import DSMK, RUN_ROOT, STATS, TIMEOUT  # noqa: E402
from dsmkpy.bench import BENCH_JSON_ENV, load_results, merge_results  # noqa: E402

NODES = 4
ROUNDS = 200
MANAGERS = ("fixed", "central")

PROGRAM = r"""
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#define NODES %(nodes)d
#define ROUNDS %(rounds)d
#define PAGE 4096
/* Page 0: copies on nodes 0 and 1; page 1: copies on every node. Nothing else on them. */
static volatile long wu_pages[2][PAGE / sizeof(long)] __attribute__((aligned(PAGE)));
static pthread_barrier_t bar;
static double lat1[ROUNDS], lat3[ROUNDS];
static double now_us(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e6 + t.tv_nsec / 1e3; }
static void *reader(void *arg) {
    long id = (long)arg, sink = 0;
    pthread_barrier_wait(&bar);          /* main created both pages */
    if (id == 1) sink += wu_pages[0][0];
    sink += wu_pages[1][0];
    pthread_barrier_wait(&bar);          /* every copy in place */
    pthread_barrier_wait(&bar);          /* main done timing */
    return (void *)sink;
}
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }
static void show(const char *name, double *v) {
    qsort(v, ROUNDS, sizeof *v, cmp);
    printf("bench %%s %%.1f %%.1f %%.1f\n", name, v[0], v[ROUNDS / 2], v[ROUNDS * 99 / 100]);
}
int main(void) {
    pthread_barrier_init(&bar, 0, NODES);
    pthread_t t[NODES];
    for (long i = 1; i < NODES; i++) pthread_create(&t[i], 0, reader, (void *)i);
    wu_pages[0][0] = 1;
    wu_pages[1][0] = 1;
    pthread_barrier_wait(&bar);
    pthread_barrier_wait(&bar);
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now_us(); wu_pages[0][1] = r; lat1[r] = now_us() - t0;
        t0 = now_us(); wu_pages[1][1] = r; lat3[r] = now_us() - t0;
    }
    pthread_barrier_wait(&bar);
    for (long i = 1; i < NODES; i++) pthread_join(t[i], 0);
    show("1", lat1); show("3", lat3);
    return 0;
}
"""


def run(program, options, name):
    """Runs program on NODES nodes with dsmk run options; returns (stdout, [stats dicts])."""
    cmd = [DSMK, "--name", name, "run", "--keep", "-n", str(NODES), "--timeout", str(TIMEOUT)] + options + [program]
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT + 60)
        if p.returncode != 0:
            raise RuntimeError("%s: status %d: %s" % (" ".join(options), p.returncode, p.stderr[-1500:]))
        stats = []
        for i in range(NODES):
            with open(os.path.join(RUN_ROOT, name, "node%d.log" % i), errors="replace") as f:
                stats += [dict(kv.split("=", 1) for kv in m.group(2).split()) for m in STATS.finditer(f.read())]
        return p.stdout, stats
    finally:
        shutil.rmtree(os.path.join(RUN_ROOT, name), ignore_errors=True)


def main():
    path = os.environ.get(BENCH_JSON_ENV) or os.path.join(os.environ.get("DSMK_BUILD", "build"), "bench.json")
    before = load_results(path)
    base = before.get("linux_udp_rtt_4k_virtio_us", {}).get("value")
    figures = {}
    tmp = tempfile.mkdtemp(prefix="dsm_update_bench.")
    try:
        src, exe = os.path.join(tmp, "wu.c"), os.path.join(tmp, "wu")
        with open(src, "w") as f:
            f.write(PROGRAM % {"nodes": NODES, "rounds": ROUNDS})
        subprocess.run(["musl-gcc", "-static", "-pthread", "-O2", "-o", exe, src], check=True)
        for manager in MANAGERS:
            out, stats = run(exe, ["--update", "wu_pages", "-k", "dsm.manager=" + manager],
                             "wupdate-bench-%s-%d" % (manager, os.getpid()))
            writes = sum(int(s.get("wu_writes", 0)) for s in stats)
            for line in out.splitlines():
                words = line.split()
                if len(words) != 5 or words[0] != "bench":
                    continue
                copies = int(words[1])
                mn, med, p99 = (float(w) for w in words[2:])
                fig = dict(value=med, unit="us", min=mn, p99=p99, other_copies=copies, manager=manager, nodes=NODES,
                           rounds=ROUNDS, wu_writes=writes, accel="tcg")
                if base:
                    fig["ratio_to_linux_udp_rtt"] = round(med / base, 3)
                inv = before.get("dsm_write_fault_inv%d_us" % copies, {}).get("value")
                if inv:
                    fig["ratio_to_invalidate_write_fault"] = round(med / inv, 3)
                figures["dsm_wu_write_%d_copies_%s_us" % (copies, manager)] = fig
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    merge_results(figures)
    for name in sorted(figures):
        print("%-40s %s" % (name, figures[name]))
    return 0 if len(figures) == 2 * len(MANAGERS) else 1


if __name__ == "__main__":
    sys.exit(main())
