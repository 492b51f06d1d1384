# SPDX-License-Identifier: MIT
"""Data affinity (DESIGN.md 4, docs/dsm-protocol.md 4d; dsm/affinity.c, kernel/dsm_affinity.c):
threads that spend their time waiting for pages the other node took, on nodes whose CPUs sit
idle, move to that node; threads that placed themselves stay; dsm.affinity=off leaves every
thread where clone() put it. A moved thread keeps its tid, its thread-local storage, its
signals and its joiner. Each worker reports sched_getcpu() (its node) at its start and end on
stderr; stdout is the native run's."""
import re
import subprocess
import time

import pytest

from dsmkpy.logs import program_exit_status
from dsmkpy.testing import build_musl, dsmk_run, user_program

SOURCE = r"""
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORKERS 4
static long rounds;
static int pin;
static long counter;
static pthread_barrier_t started, counted;
static __thread long mine; /* thread-local: survives a move */
static volatile sig_atomic_t signalled[WORKERS];
static int start_node[WORKERS], end_node[WORKERS], tid_kept[WORKERS], tls_kept[WORKERS];

static void on_usr1(int sig)
{
    (void)sig;
    signalled[mine - 1] = 1;
}

static void *worker(void *arg)
{
    long id = (long)arg;
    mine = id + 1;
    pid_t tid = gettid();
    start_node[id] = sched_getcpu();
    if (pin) {
        cpu_set_t only;
        CPU_ZERO(&only);
        CPU_SET(start_node[id], &only);
        if (sched_setaffinity(0, sizeof only, &only) != 0)
            perror("sched_setaffinity");
    }
    pthread_barrier_wait(&started); /* all count at once, on both nodes */
    for (long i = 0; i < rounds; i++) { /* musl's malloc: one lock, and its state on one page */
        unsigned char *p = malloc(16 + (size_t)(i * 7919 % 500));
        p[0] = 1;
        __atomic_fetch_add(&counter, p[0], __ATOMIC_SEQ_CST);
        free(p);
    }
    pthread_barrier_wait(&counted);
    while (!signalled[id]) /* main's pthread_kill finds the thread wherever it went */
        sched_yield();
    end_node[id] = sched_getcpu();
    tid_kept[id] = gettid() == tid;
    tls_kept[id] = mine == id + 1;
    return 0;
}

int main(int argc, char **argv)
{
    rounds = argc > 1 ? atol(argv[1]) : 2000;
    pin = argc > 2 && strcmp(argv[2], "pin") == 0;
    signal(SIGUSR1, on_usr1);
    pthread_barrier_init(&started, 0, WORKERS);
    pthread_barrier_init(&counted, 0, WORKERS + 1);
    pthread_t t[WORKERS];
    for (long i = 0; i < WORKERS; i++)
        pthread_create(&t[i], 0, worker, (void *)i);
    pthread_barrier_wait(&counted);
    for (int i = 0; i < WORKERS; i++)
        pthread_kill(t[i], SIGUSR1);
    int kept = 0;
    for (int i = 0; i < WORKERS; i++) {
        pthread_join(t[i], 0);
        kept += tid_kept[i] && tls_kept[i];
    }
    printf("counter=%ld kept=%d of %d\n", counter, kept, WORKERS);
    for (int i = 0; i < WORKERS; i++)
        fprintf(stderr, "worker %d: node %d -> %d\n", i, start_node[i], end_node[i]);
    return 0;
}
"""
ROUNDS = "30000"  # each worker's: 2-4 s of hand-offs on 2 TCG nodes with affinity off, 0.3 s on
WANT = b"counter=%d kept=4 of 4\n" % (4 * int(ROUNDS))
WORKER_LINE = re.compile(r"worker (\d): node (\d+) -> (\d+)")
AFFINITY_LINE = re.compile(r"dsm-affinity node=(\d+) (on|off) moved_out=(\d+) moved_in=(\d+) held=(\d+)")
MOVE_LINE = re.compile(r"dsm: thread (\d+) moves to node (\d+): of (\d+) ms, (\d+) waiting on (\d+) sharing misses "
                       r"\((\d+) ended by it\), (\d+) with the CPU idle, \d+ ready for it")
HOME_LINE = re.compile(r"dsm: thread (\d+) moves to node (\d+) \(home\): of (\d+) ms, (\d+) waiting on \d+ sharing "
                       r"misses \(\d+ ended by it\), \d+ with the CPU idle, (\d+) ready for it")


def run_probe(tmp_path, name, nodes, args=(), words=()):
    """Runs the probe with its run dirs kept: (stdout, {worker: (start, end)}, [affinity line
    groups], [move line groups: gatherings, then home-goings])."""
    exe = build_musl(tmp_path, "affinity", SOURCE)
    options = ["--keep"]
    for w in words:
        options += ["-k", w]
    p = dsmk_run(tmp_path, name, nodes, exe, [ROUNDS] + list(args), options, timeout=300)
    err = p.stderr.decode(errors="replace")
    assert p.returncode == 0, err[-3000:]
    workers = {int(w): (int(a), int(b)) for w, a, b in WORKER_LINE.findall(err)}
    assert sorted(workers) == [0, 1, 2, 3], err[-3000:]
    logs = "".join(f.read_text(errors="replace") for f in (tmp_path / "run").glob("%s-*/node*.log" % name))
    return p.stdout, workers, AFFINITY_LINE.findall(logs), MOVE_LINE.findall(logs) + HOME_LINE.findall(logs)


@pytest.mark.parametrize("nodes", [2, 4])
def test_affinity_gathers_threads_that_wait_on_each_other(tmp_path, nodes):
    out, workers, affinity, moves = run_probe(tmp_path, "gather", nodes)
    assert out == WANT
    assert sorted(int(a[0]) for a in affinity) == list(range(nodes)), affinity
    assert all(a[1] == "on" for a in affinity)
    moved_out = sum(int(a[2]) for a in affinity)
    assert moved_out == sum(int(a[3]) for a in affinity) == len(moves) >= 1, (affinity, moves)
    for tid, to, period, waited, misses, ended, idle in (m for m in moves if len(m) == 7):
        # the line's figures are whole ms, rounded down
        assert int(period) >= 30 and 3 * (int(waited) + 1) >= int(period) and 2 * (int(idle) + 1) >= int(period)
        assert int(misses) >= 8 and 3 * int(ended) >= int(misses)
    assert len({w[0] for w in workers.values()}) >= nodes - 1, workers  # round robin spread them
    # and a worker that moved joined another (all end together, unless a worker's rounds ran
    # out before it was judged: a busy host leaves fewer judging periods)
    assert any(start != end and any(other[1] == end for o, other in workers.items() if o != w)
               for w, (start, end) in workers.items()), workers


def test_affinity_off_leaves_threads_where_clone_put_them(tmp_path):
    out, workers, affinity, moves = run_probe(tmp_path, "off", 2, words=["dsm.affinity=off"])
    assert out == WANT
    assert sorted(affinity) == [("0", "off", "0", "0", "0"), ("1", "off", "0", "0", "0")], affinity
    assert moves == []
    assert all(start == end for start, end in workers.values()), workers


def test_threads_that_placed_themselves_stay(tmp_path):
    out, workers, affinity, moves = run_probe(tmp_path, "pinned", 2, args=["pin"])
    assert out == WANT
    assert all(tid == "1" for tid, *_ in moves), moves  # the main thread placed nothing: it may move
    assert all(start == end for start, end in workers.values()), workers
    assert {w[0] for w in workers.values()} == {0, 1}, workers


def test_affinity_moves_under_loss_on_four_nodes(tmp_path, make_cluster):
    """10% loss on every tap from boot: the moves' snapshots and the signals that follow the
    threads are retransmitted like any message; the output stays the native one."""
    exe = build_musl(tmp_path, "affinity", SOURCE)
    c = make_cluster(4, wait=False, program=str(exe), program_args=[ROUNDS])
    for i in range(4):
        c.loss(i, 10)
    deadline = time.monotonic() + 300
    status = None
    while status is None and time.monotonic() < deadline:
        time.sleep(0.2)
        status = program_exit_status(c.nodes[0].log_text())
    assert status == 0, c.nodes[0].log_text()[-3000:]
    time.sleep(0.5)  # the exit line follows every program byte; let QEMU's file catch up
    with open(c.nodes[0].spec.stdout, "rb") as f:
        assert f.read() == WANT
    logs = "".join(n.log_text() for n in c.nodes)
    assert len(MOVE_LINE.findall(logs)) >= 1, logs[-3000:]


PHASES = r"""
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define WORKERS_MAX 8
static long rounds, work, counter;
static pthread_barrier_t phase;
static double result[WORKERS_MAX];

static void *worker(void *arg)
{
    long id = (long)arg;
    pthread_barrier_wait(&phase);
    for (long i = 0; i < rounds; i++) { /* contended: gathers the workers on one node */
        unsigned char *p = malloc(16 + (size_t)(i * 7919 % 500));
        p[0] = 1;
        __atomic_fetch_add(&counter, p[0], __ATOMIC_SEQ_CST);
        free(p);
    }
    pthread_barrier_wait(&phase);
    double x = 1.0;
    for (long i = 0; i < work; i++) /* then private computing: they should spread again */
        x = x * 1.0000001 + 1e-9;
    result[id] = x;
    return 0;
}

int main(int argc, char **argv)
{
    rounds = atol(argv[1]);
    work = atol(argv[2]);
    int workers = atoi(argv[3]);
    if (workers < 1 || workers > WORKERS_MAX)
        return 2;
    pthread_barrier_init(&phase, 0, (unsigned)workers);
    pthread_t t[WORKERS_MAX];
    for (long i = 0; i < workers; i++)
        pthread_create(&t[i], 0, worker, (void *)i);
    for (int i = 0; i < workers; i++)
        pthread_join(t[i], 0);
    printf("counter=%ld result=%.6f\n", counter, result[0]);
    return 0;
}
"""


@pytest.mark.parametrize("workers", [4, 2])
def test_gathered_threads_go_home_to_compute(tmp_path, workers):
    """A contended phase gathers the workers on one node; the computing phase after it (the
    workers ready for one CPU, none waiting on pages) sends those away from home back, after
    DSM_AFFINITY_HOME_AFTER_NS there. Two workers on one CPU are each ready about half of the
    time (they stayed gathered for the whole computing phase when going home wanted two
    thirds). The output is the native run's."""
    exe = build_musl(tmp_path, "phases", PHASES)
    args = ["20000", "100000000", str(workers)]
    native = subprocess.run([str(exe)] + args, capture_output=True, timeout=120)
    p = dsmk_run(tmp_path, "phases", 2, exe, args, ["--keep"], timeout=300)
    assert (p.returncode, p.stdout) == (0, native.stdout), p.stderr.decode(errors="replace")[-3000:]
    logs = "".join(f.read_text(errors="replace") for f in (tmp_path / "run").glob("phases-*/node*.log"))
    gathered, homed = MOVE_LINE.findall(logs), HOME_LINE.findall(logs)
    if gathered:  # a busy host may leave the contended phase too short to judge
        assert homed, logs[-3000:]
    for tid, to, period, waited, ready in homed:  # 2/5 of the period ready, under 1/10 waiting
        assert 10 * int(waited) <= int(period) and 5 * (int(ready) + 1) >= 2 * int(period), (period, waited, ready)


def test_threads_that_still_share_stay_gathered(tmp_path):
    """falseshare: four threads store to their own words of one page. Gathered, they look
    like computing threads (ready for the CPU, no misses), but the page that drew them is in
    use on their node all along, so none goes home (before that rule they went home and
    came back: 5-9 moves a run, and the gain was lost)."""
    args = ["4", "300000000"]
    native = subprocess.run([user_program("falseshare")] + args, capture_output=True, timeout=120)
    p = dsmk_run(tmp_path, "falseshare", 2, user_program("falseshare"), args, ["--keep"], timeout=300)
    assert (p.returncode, p.stdout) == (0, native.stdout), p.stderr.decode(errors="replace")[-3000:]
    logs = "".join(f.read_text(errors="replace") for f in (tmp_path / "run").glob("falseshare-*/node*.log"))
    assert MOVE_LINE.findall(logs), logs[-3000:]
    assert HOME_LINE.findall(logs) == [], logs[-3000:]
