# SPDX-License-Identifier: MIT
"""Thread placement (kernel/dsm_threads.c): under dsm.place=rr each clone() child starts on
the next node, and with dsm.place.run=K, K consecutive children share a node before the
next takes over, so threads that split an array in order share only the blocks' edges
across the network (in one hand-run pair, sor 1024 60 4 on 2 nodes fetched 3673 pages with
K=2 against 5689 with K=1). Each thread reports sched_getcpu(), the node it runs on."""
from dsmkpy.testing import build_musl, dsmk_run

SOURCE = r"""
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#define THREADS 6
static int where[THREADS];

static void *report(void *arg)
{
    where[(long)arg] = sched_getcpu();
    return 0;
}

int main(void)
{
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        pthread_create(&t[i], 0, report, (void *)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], 0);
    printf("nodes");
    for (int i = 0; i < THREADS; i++)
        printf(" %d", where[i]);
    printf("\n");
    return 0;
}
"""


def test_place_run_keeps_consecutive_threads_together(tmp_path):
    exe = build_musl(tmp_path, "place", SOURCE)
    for run, want in ((1, "nodes 1 0 1 0 1 0\n"), (2, "nodes 1 1 0 0 1 1\n"), (3, "nodes 1 1 1 0 0 0\n")):
        p = dsmk_run(tmp_path, "place%d" % run, 2, exe, options=["-k", "dsm.place.run=%d" % run])
        assert (p.returncode, p.stdout.decode()) == (0, want), (run, p.stderr.decode(errors="replace")[-2000:])


def test_place_run_out_of_range_is_a_bad_command_line(tmp_path):
    exe = build_musl(tmp_path, "place", SOURCE)
    p = dsmk_run(tmp_path, "place0", 2, exe, options=["-k", "dsm.place.run=0"])
    assert p.returncode == 125, (p.returncode, p.stderr[-2000:])
