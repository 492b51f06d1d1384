#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""DSM bench (issue 5): remote fault latencies and multi-node speedups on dsmk.
- Faults: a small pthread program (built here with musl-gcc) runs on 4 nodes, one thread
  per node (round-robin placement); it times, in user space, a read fault on a page last
  written on another node, and a write fault on a page held by 1 and by 3 other readers
  (the write waits for every invalidation ack). min/median/p99 in us, and each median's
  ratio to the Linux guest's 4 KiB UDP round trip when bench.json already holds it
  (tools/bench/net_rtt.py); messages per fault from the nodes' dsm-stats lines.
  The nodes' dsm-phases lines give where a fault's time goes (send, net, install, resume:
  medians over the nodes, docs/dsm-protocol.md 9a).
- Messages per read fault (issue 6) under each manager, owner unknown and known: exact counts
  of the kernel's dsm/ core from the host test dsm_read_fault_counts_per_manager (4 nodes, an
  instant FIFO network; replication as the kernel's default), beside the cluster-wide figure
  of the fault run.
- Speedup: matmul, sor and workqueue on 1 and on 2 nodes; time from the program's start
  (1 node: "program: entry"; N nodes: "dsm: program spans") to its exit line, by node 0's
  kernel clock, so boot and cluster formation are left out. idle_pct_per_node: the share of
  the 2-node run each node's CPU sat halted with no thread to run (the dsm-phases line).
Merges into $DSMK_BUILD/bench.json. The host is shared: expect wide run-to-run spread."""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, TOOLS)

from dsmkpy.bench import BENCH_JSON_ENV, load_results, merge_results  # noqa: E402

REPO = os.path.dirname(os.path.abspath(TOOLS))
DSMK = os.path.join(REPO, "tools", "dsmk")
RUN_ROOT = os.environ.get("DSMK_RUN_ROOT", "/tmp/dsmk-run")
TIMEOUT = 600
FAULT_NODES = 4
FAULT_ROUNDS = 40
SPEEDUP = {  # program -> args: big enough that the run dwarfs thread start-up
    "matmul": ["320", "4"],
    "sor": ["128", "60", "4"],
    "workqueue": ["64", "20000000", "4"],  # 50 ms items: a queue pick-up costs a remote write fault (ms)
}
LOG_TIME = re.compile(r"^\[\s*(\d+\.\d+)\]")
STATS = re.compile(r"dsm-stats node=(\d+) (.*)")
PHASES = re.compile(r"dsm-phases node=(\d+) (.*)")
PHASE_NAMES = ("send", "net", "install", "resume", "total")
READ_FAULT_COUNTS = re.compile(r"^read-faults manager=(\w+) owner=(\w+) faults=\d+ msgs/fault=([\d.]+) "
                               r"fwd/fault=([\d.]+) backups/fault=([\d.]+)$")

FAULT_PROGRAM = r"""
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#define NODES %(nodes)d
#define ROUNDS %(rounds)d
#define PAGE 4096
static volatile char *pages; /* 3 pages per round: read, write-1, write-3 */
static pthread_barrier_t bar;
static double rlat[ROUNDS], w1lat[ROUNDS], w3lat[ROUNDS];
static double now_us(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e6 + t.tv_nsec / 1e3; }
static volatile char *pg(int r, int k) { return pages + (size_t)(3 * r + k) * PAGE; }
static void *reader(void *arg) {
    long id = (long)arg; volatile char sink = 0;
    for (int r = 0; r < ROUNDS; r++) {
        pthread_barrier_wait(&bar);                 /* main wrote the round's pages */
        if (id == 1) { double t = now_us(); sink += *pg(r, 0); rlat[r] = now_us() - t; sink += *pg(r, 1); }
        sink += *pg(r, 2);
        pthread_barrier_wait(&bar);                 /* copies in place */
        pthread_barrier_wait(&bar);                 /* main wrote again */
    }
    return (void *)(long)sink;
}
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }
static void show(const char *name, double *v) {
    qsort(v, ROUNDS, sizeof *v, cmp);
    printf("bench %%s %%.1f %%.1f %%.1f\n", name, v[0], v[ROUNDS / 2], v[ROUNDS * 99 / 100]);
}
int main(void) {
    pages = mmap(0, (size_t)3 * ROUNDS * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    pthread_barrier_init(&bar, 0, NODES);
    pthread_t t[NODES];
    for (long i = 1; i < NODES; i++) pthread_create(&t[i], 0, reader, (void *)i);
    for (int r = 0; r < ROUNDS; r++) {
        for (int k = 0; k < 3; k++) *pg(r, k) = (char)r;
        pthread_barrier_wait(&bar);
        pthread_barrier_wait(&bar);
        double t0 = now_us(); *pg(r, 1) = 1; w1lat[r] = now_us() - t0;
        t0 = now_us(); *pg(r, 2) = 1; w3lat[r] = now_us() - t0;
        pthread_barrier_wait(&bar);
    }
    for (long i = 1; i < NODES; i++) pthread_join(t[i], 0);
    show("read_fault_us", rlat); show("write_fault_inv1_us", w1lat); show("write_fault_inv3_us", w3lat);
    return 0;
}
"""


def run(program, args, nodes, name, phases=None):
    """Runs program on nodes; returns (stdout text, node 0 log, [stats dicts]); appends each
    node's dsm-phases {phase: (count, p50_us, p90_us)} to phases when given."""
    env = dict(os.environ)
    cmd = [DSMK, "--name", name, "run", "--keep", "-n", str(nodes), "--timeout", str(TIMEOUT), program] + args
    try:
        p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=TIMEOUT + 60)
        if p.returncode != 0:
            raise RuntimeError("%s on %d nodes: status %d: %s" % (program, nodes, p.returncode, p.stderr[-1500:]))
        logs = []
        for i in range(nodes):
            with open(os.path.join(RUN_ROOT, name, "node%d.log" % i), errors="replace") as f:
                logs.append(f.read())
        stats = [dict(kv.split("=", 1) for kv in m.group(2).split()) for log in logs for m in STATS.finditer(log)]
        if phases is not None:
            for log in logs:
                for m in PHASES.finditer(log):
                    phases.append({k: tuple(int(x) for x in v.split("/")) for k, v in
                                   (kv.split("=", 1) for kv in m.group(2).split())})
        return p.stdout, logs[0], stats
    finally:
        shutil.rmtree(os.path.join(RUN_ROOT, name), ignore_errors=True)


def log_time(log, needle):
    for line in log.splitlines():
        if needle in line:
            m = LOG_TIME.match(line)
            if m:
                return float(m.group(1))
    raise RuntimeError("no %r line in the log" % needle)


def program_seconds(log, nodes):
    start = log_time(log, "program: entry" if nodes == 1 else "dsm: program spans")
    return log_time(log, "dsmk: program exited") - start


def bench_faults(figures):
    tmp = tempfile.mkdtemp(prefix="dsm_bench.")
    try:
        src, exe = os.path.join(tmp, "faults.c"), os.path.join(tmp, "faults")
        with open(src, "w") as f:
            f.write(FAULT_PROGRAM % {"nodes": FAULT_NODES, "rounds": FAULT_ROUNDS})
        subprocess.run(["musl-gcc", "-static", "-pthread", "-O2", "-o", exe, src], check=True)
        phases = []
        out, _, stats = run(exe, [], FAULT_NODES, "dsmbench-faults-%d" % os.getpid(), phases)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    baseline = load_results(os.environ.get(BENCH_JSON_ENV) or os.path.join(os.environ.get("DSMK_BUILD", "build"),
                                                                        "bench.json"))
    base = baseline.get("linux_udp_rtt_4k_virtio_us", {}).get("value")
    for line in out.splitlines():
        words = line.split()
        if len(words) == 5 and words[0] == "bench":
            mn, med, p99 = (float(w) for w in words[2:])
            fig = dict(value=med, unit="us", min=mn, p99=p99, nodes=FAULT_NODES, rounds=FAULT_ROUNDS, accel="tcg")
            if base:
                fig["ratio_to_linux_udp_rtt"] = round(med / base, 3)
                fig["p99_ratio_to_linux_udp_rtt"] = round(p99 / base, 3)
            figures["dsm_" + words[1]] = fig
    msgs = sum(int(s["fault_msgs"]) for s in stats)
    faults = sum(int(s["rfaults"]) + int(s["wfaults"]) for s in stats)
    if faults:
        figures["dsm_messages_per_fault"] = dict(value=round(msgs / faults, 2), unit="msg", faults=faults,
                                                 nodes=FAULT_NODES,
                                                 forwards_per_fault=round(sum(int(s["fwd"]) for s in stats) / faults, 2),
                                                 backups_per_fault=round(sum(int(s["backups"]) for s in stats) / faults,
                                                                         2))
    for name in PHASE_NAMES:
        medians = [p[name][1] for p in phases if name in p and p[name][0]]
        if medians:
            figures["dsm_fault_phase_%s_us" % name] = dict(value=statistics.median(medians), unit="us",
                                                           per_node_p50=medians, nodes=FAULT_NODES)


def bench_read_fault_messages(figures):
    """Issue 6: messages and forwards per read fault under each manager, owner unknown/known."""
    build = os.environ.get("DSMK_BUILD", "build")
    tests = os.path.join(build, "host", "unit_tests")
    subprocess.run(["make", "-s", "BUILD=" + build, tests], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    out = subprocess.run([os.path.join(REPO, tests), "dsm_read_fault_counts_per_manager"], check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        m = READ_FAULT_COUNTS.match(line)
        if m:
            manager, owner = m.group(1), m.group(2)
            figures["dsm_read_fault_messages_%s_owner_%s" % (manager, owner)] = dict(
                value=float(m.group(3)), unit="msg", forwards_per_fault=float(m.group(4)),
                backups_per_fault=float(m.group(5)), nodes=4,
                source="host test dsm_read_fault_counts_per_manager (exact, dsm/ core)")


def bench_speedup(figures):
    for program, args in SPEEDUP.items():
        exe = os.path.join(REPO, os.environ.get("DSMK_BUILD", "build"), "user", program)
        secs = {}
        phases = []
        for nodes in (1, 2):
            _, log, _ = run(exe, args, nodes, "dsmbench-%s-%d-%d" % (program, nodes, os.getpid()),
                            phases if nodes == 2 else None)
            secs[nodes] = program_seconds(log, nodes)
        # How long each node's CPU had no thread to run (waiting for pages or futexes).
        idle = [round(100.0 * p["idle_ms"][0] / p["run_ms"][0], 1) for p in phases
                if p.get("run_ms", (0,))[0] > 0 and "idle_ms" in p]
        figures["dsm_speedup_%s_2_nodes" % program] = dict(
            value=round(secs[1] / secs[2], 3), unit="x", one_node_s=round(secs[1], 3), two_nodes_s=round(secs[2], 3),
            args=" ".join(args), accel="tcg", idle_pct_per_node=idle)


def main():
    figures = {}
    bench_read_fault_messages(figures)
    bench_faults(figures)
    bench_speedup(figures)
    merge_results(figures)
    for name in sorted(figures):
        print("%-40s %s" % (name, figures[name]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
