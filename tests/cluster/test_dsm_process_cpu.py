# SPDX-License-Identifier: MIT
"""The process's CPU time counts its threads on every node, against the native run on 1
and 2 nodes: two threads each spin until their own CPU clock shows 200 ms (with two nodes,
one spins on node 1 and one on node 0) and exit; then main's CLOCK_PROCESS_CPUTIME_ID
(clock()), getrusage(RUSAGE_SELF) and times() each show at least the sum. Before, each
node counted only its own threads, so main on node 0 missed node 1's 200 ms."""
from dsmkpy.testing import check_source_matches_native

SOURCE = r"""
#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#define SPIN_NS 200000000L

static long spun[2];

static long cpu_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void *spinner(void *arg)
{
    long *out = arg;
    volatile unsigned long x = 0;
    while (cpu_ns(CLOCK_THREAD_CPUTIME_ID) < SPIN_NS)
        for (int i = 0; i < 10000; i++)
            x += (unsigned long)i;
    *out = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
    return 0;
}

int main(void)
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], 0, spinner, &spun[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], 0);
    long both = spun[0] + spun[1];
    long process = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long rusage = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000L +
                  (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000L;
    struct tms tm;
    times(&tm);
    long tick_ns = 1000000000L / sysconf(_SC_CLK_TCK);
    long by_times = (long)(tm.tms_utime + tm.tms_stime) * tick_ns;
    printf("each spun 200 ms: %d\n", spun[0] >= SPIN_NS && spun[1] >= SPIN_NS);
    printf("process clock covers both: %d\n", process >= both);
    printf("getrusage covers both: %d\n", rusage >= both);
    printf("times covers both (to a tick each): %d\n", by_times >= both - 2 * tick_ns);
    printf("clock() covers both: %d\n", (long)clock() * (1000000000L / CLOCKS_PER_SEC) >= both);
    return 0;
}
"""


def test_process_cpu_time_counts_every_node(tmp_path):
    out = check_source_matches_native(tmp_path, "process-cpu", SOURCE)
    assert out.count(": 1\n") == 5, out
