# SPDX-License-Identifier: MIT
"""One clock for the whole program (kernel/dsm_clock.c, kernel/time_conv.h). Threads on
every node pass a clock reading around a ring through shared memory, each checking that its
own reading is not earlier than the one it was handed (CLOCK_MONOTONIC and CLOCK_REALTIME);
a thread moves over every CPU (node) checking that its readings never go back; a thread on
another node waits on a condition variable until an absolute CLOCK_REALTIME deadline that
main computed, and must wake with ETIMEDOUT at or after it. Before, each node showed its
own clock, counted from its own QEMU's start: the ring saw time go back by tens of ms at
every hop to a node that booted later."""
import os
import re

from dsmkpy.testing import build_musl, check_matches_native, dsmk_run

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define RING 4
#define ROUNDS 12

static uint64_t now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static _Atomic uint64_t baton[2];
static _Atomic int turn;
static atomic_long backwards;

static void *ring_member(void *arg)
{
    int me = (int)(intptr_t)arg;
    for (int r = 0; r < ROUNDS; r++) {
        while (atomic_load(&turn) != me)
            sched_yield();
        for (int c = 0; c < 2; c++) {
            uint64_t t = now(c ? CLOCK_REALTIME : CLOCK_MONOTONIC);
            if (t < atomic_load(&baton[c]))
                atomic_fetch_add(&backwards, 1);
            atomic_store(&baton[c], t);
        }
        atomic_store(&turn, (me + 1) % RING);
    }
    return 0;
}

static void *mover(void *arg)
{
    (void)arg;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN), back = 0, moved = 0;
    uint64_t last = now(CLOCK_MONOTONIC);
    for (int round = 0; round < 3; round++)
        for (long cpu = cpus - 1; cpu >= 0; cpu--) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(cpu, &set);
            moved += sched_setaffinity(0, sizeof set, &set) == 0;
            uint64_t t = now(CLOCK_MONOTONIC);
            back += t < last;
            last = t;
        }
    printf("mover: %s, time went back %ld times\n", moved == 3 * cpus ? "moved" : "NOT MOVED", back);
    return 0;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static struct timespec deadline;

static void *timed_waiter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    int rc = pthread_cond_timedwait(&never, &lock, &deadline);
    pthread_mutex_unlock(&lock);
    uint64_t woke = now(CLOCK_REALTIME), due = (uint64_t)deadline.tv_sec * 1000000000ull + (uint64_t)deadline.tv_nsec;
    printf("timedwait: %s, %s the deadline\n", rc == ETIMEDOUT ? "ETIMEDOUT" : "NOT ETIMEDOUT",
           woke >= due ? "at or after" : "BEFORE");
    return 0;
}

int main(void)
{
    pthread_t t[RING];
    for (int i = 1; i < RING; i++)
        pthread_create(&t[i], 0, ring_member, (void *)(intptr_t)i);
    ring_member(0);
    for (int i = 1; i < RING; i++)
        pthread_join(t[i], 0);
    printf("ring: %d hops, time went back %ld times\n", RING * ROUNDS, atomic_load(&backwards));

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 300 * 1000 * 1000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    pthread_create(&t[0], 0, timed_waiter, 0);
    pthread_join(t[0], 0);

    pthread_create(&t[0], 0, mover, 0);
    pthread_join(t[0], 0);
    return 0;
}
"""


def test_one_clock_across_nodes_matches_native(tmp_path):
    exe = build_musl(tmp_path, "clock_ring", SOURCE)
    out = check_matches_native(tmp_path, "clock_ring", exe, nodes=(2, 4)).decode()
    assert "time went back 0 times" in out and "NOT" not in out and "BEFORE" not in out, out


def test_each_member_logs_its_measured_offset(tmp_path):
    """Node 0 logs one offset per member, each with its error bound (half the best probe's
    round trip): the bound must be below the program's own ring hop (a remote fault)."""
    exe = build_musl(tmp_path, "clock_log", "int main(void) { return 0; }\n")
    p = dsmk_run(tmp_path, "clock_log", 4, exe, options=["--keep"])
    assert p.returncode == 0, p.stderr.decode(errors="replace")[-3000:]
    with open(tmp_path / "run" / ("clock_log-4-%d" % os.getpid()) / "node0.log", errors="replace") as f:
        log = f.read()
    found = re.findall(r"dsm: node (\d) clock (-?\d+) us from node 0's \(within (\d+) us, (\d) probes\)", log)
    assert sorted(int(f[0]) for f in found) == [1, 2, 3], log[-3000:]
    assert all(int(f[2]) < 5000 and int(f[3]) >= 1 for f in found), found
