// SPDX-License-Identifier: MIT
// bench_thread: thread create+join cost. Times N sequential pthread_create/pthread_join
// cycles of an empty thread with CLOCK_MONOTONIC after a warm-up, and prints one
// machine-readable line `bench thread_create_join_us VALUE` (mean us per cycle).
// Usage: bench_thread [N=2000]
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BENCH_WARMUP_CYCLES 20

static double bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void *bench_empty(void *arg) { return arg; }

static int bench_cycle(void)
{
    pthread_t tid;
    if (pthread_create(&tid, NULL, bench_empty, NULL) != 0)
        return -1;
    return pthread_join(tid, NULL);
}

int main(int argc, char **argv)
{
    long cycles = argc > 1 ? atol(argv[1]) : 2000;
    if (cycles < 1) {
        fprintf(stderr, "usage: bench_thread [N>=1]\n");
        return 2;
    }
    for (int i = 0; i < BENCH_WARMUP_CYCLES; i++)
        if (bench_cycle() != 0)
            return 1;
    double start = bench_now_ns();
    for (long i = 0; i < cycles; i++)
        if (bench_cycle() != 0) {
            fprintf(stderr, "bench_thread: cycle %ld failed\n", i);
            return 1;
        }
    double elapsed = bench_now_ns() - start;
    printf("bench thread_create_join_us %.2f cycles=%ld\n", elapsed / (double)cycles / 1e3, cycles);
    return 0;
}
