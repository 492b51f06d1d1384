// SPDX-License-Identifier: MIT
// bench_getpid: system call round trip. Times N getpid() calls (the raw syscall, so no libc
// caching) with CLOCK_MONOTONIC after a warm-up, and prints one machine-readable line
// `bench syscall_getpid_ns VALUE` (mean ns per call) for tools/bench/user_bench.py.
// Usage: bench_getpid [N=100000]
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define BENCH_WARMUP_CALLS 1000

static double bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    long calls = argc > 1 ? atol(argv[1]) : 100000;
    if (calls < 1) {
        fprintf(stderr, "usage: bench_getpid [N>=1]\n");
        return 2;
    }
    for (int i = 0; i < BENCH_WARMUP_CALLS; i++)
        syscall(SYS_getpid);
    double start = bench_now_ns();
    for (long i = 0; i < calls; i++)
        syscall(SYS_getpid);
    double elapsed = bench_now_ns() - start;
    printf("bench syscall_getpid_ns %.1f calls=%ld\n", elapsed / (double)calls, calls);
    return 0;
}
