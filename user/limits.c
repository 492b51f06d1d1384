// SPDX-License-Identifier: MIT
// limits: issue 4's size limits. "threads [N=64]": N threads alive at once (all wait on one
// barrier before any exits); "bss": a 256 MiB bss array written every 64 KiB, summed, and
// spot-checked for zeros in between; "cycles [N=10000]": N sequential create/join cycles.
// With no argument it runs all three with their defaults.
// Usage: limits [threads [N] | bss | cycles [N]]
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMITS_THREADS_DEFAULT 64
#define LIMITS_THREADS_MAX 4096
#define LIMITS_BSS_BYTES (256ul << 20)
#define LIMITS_BSS_STRIDE (64ul << 10) /* touches 4096 of the 65536 pages */
#define LIMITS_CYCLES_DEFAULT 10000

static unsigned char big_bss[LIMITS_BSS_BYTES];
static pthread_barrier_t all_alive;

static void *limits_wait_all(void *arg)
{
    pthread_barrier_wait(&all_alive);
    return (void *)((uintptr_t)arg * 3);
}

static int limits_threads(int n)
{
    if (n < 1 || n > LIMITS_THREADS_MAX) {
        fprintf(stderr, "limits: thread count must be 1..%d\n", LIMITS_THREADS_MAX);
        return 2;
    }
    static pthread_t tids[LIMITS_THREADS_MAX];
    pthread_barrier_init(&all_alive, NULL, (unsigned)n + 1);
    for (int i = 0; i < n; i++)
        if (pthread_create(&tids[i], NULL, limits_wait_all, (void *)(uintptr_t)i) != 0) {
            fprintf(stderr, "limits: pthread_create %d of %d failed\n", i, n);
            return 1;
        }
    pthread_barrier_wait(&all_alive); /* returns only when all n threads are alive */
    long sum = 0;
    for (int i = 0; i < n; i++) {
        void *ret;
        pthread_join(tids[i], &ret);
        sum += (long)(uintptr_t)ret;
    }
    pthread_barrier_destroy(&all_alive);
    long want = 3L * n * (n - 1) / 2;
    printf("limits: threads %d alive at once sum=%ld (%s)\n", n, sum, sum == want ? "ok" : "WRONG");
    return sum == want ? 0 : 1;
}

static int limits_bss(void)
{
    size_t writes = LIMITS_BSS_BYTES / LIMITS_BSS_STRIDE;
    for (size_t k = 0; k < writes; k++)
        big_bss[k * LIMITS_BSS_STRIDE] = (unsigned char)(k * 37 + 1);
    unsigned long long sum = 0;
    long nonzero = 0;
    for (size_t k = 0; k < writes; k++) {
        sum += big_bss[k * LIMITS_BSS_STRIDE];
        /* Every 16th stride, a byte half a stride on was never written: it must be 0. */
        if (k % 16 == 0 && big_bss[k * LIMITS_BSS_STRIDE + LIMITS_BSS_STRIDE / 2] != 0)
            nonzero++;
    }
    unsigned long long want = 0;
    for (size_t k = 0; k < writes; k++)
        want += (unsigned char)(k * 37 + 1);
    /* The last byte of the array is the far end of the bss: it must be mapped and zero. */
    nonzero += big_bss[LIMITS_BSS_BYTES - 1] != 0;
    bool ok = sum == want && nonzero == 0;
    printf("limits: bss %lu MiB touched=%zu sum=%llu nonzero=%ld (%s)\n", LIMITS_BSS_BYTES >> 20,
           writes, sum, nonzero, ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}

static void *limits_plus_one(void *arg) { return (void *)((uintptr_t)arg + 1); }

static int limits_cycles(long n)
{
    unsigned long long sum = 0;
    for (long i = 0; i < n; i++) {
        pthread_t tid;
        void *ret;
        if (pthread_create(&tid, NULL, limits_plus_one, (void *)(uintptr_t)i) != 0) {
            fprintf(stderr, "limits: pthread_create failed at cycle %ld\n", i);
            return 1;
        }
        pthread_join(tid, &ret);
        sum += (uintptr_t)ret;
    }
    unsigned long long want = (unsigned long long)n * (n + 1) / 2;
    printf("limits: cycles %ld create/join sum=%llu (%s)\n", n, sum, sum == want ? "ok" : "WRONG");
    return sum == want ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *which = argc > 1 ? argv[1] : "all";
    long n = argc > 2 ? atol(argv[2]) : -1;
    if (strcmp(which, "threads") == 0)
        return limits_threads(n < 0 ? LIMITS_THREADS_DEFAULT : (int)n);
    if (strcmp(which, "bss") == 0)
        return limits_bss();
    if (strcmp(which, "cycles") == 0)
        return limits_cycles(n < 0 ? LIMITS_CYCLES_DEFAULT : n);
    if (strcmp(which, "all") == 0) {
        int rc = limits_threads(LIMITS_THREADS_DEFAULT);
        rc |= limits_bss();
        rc |= limits_cycles(LIMITS_CYCLES_DEFAULT);
        return rc;
    }
    fprintf(stderr, "usage: limits [threads [N] | bss | cycles [N]]\n");
    return 2;
}
