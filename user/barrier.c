// SPDX-License-Identifier: MIT
// barrier: T threads run P phases separated by pthread_barrier_wait. In each phase every
// thread writes its slot, waits, then checks that every slot holds this phase's value, and
// counts the PTHREAD_BARRIER_SERIAL_THREAD returns (exactly one per wait). Fails on a mismatch.
// Usage: barrier [T=8] [P=50]
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define BARRIER_THREADS_MAX 256

static pthread_barrier_t phase_barrier;
static volatile long slots[BARRIER_THREADS_MAX];
static int nthreads;
static int nphases;
static long serial_count; /* written only by the serial thread of each wait */
static long errors[BARRIER_THREADS_MAX];

static long barrier_value(int phase, int thread) { return (long)phase * 1000 + thread; }

static void barrier_wait_counted(void)
{
    if (pthread_barrier_wait(&phase_barrier) == PTHREAD_BARRIER_SERIAL_THREAD)
        serial_count++;
}

static void *barrier_worker(void *arg)
{
    int self = (int)(long)arg;
    for (int phase = 0; phase < nphases; phase++) {
        slots[self] = barrier_value(phase, self);
        barrier_wait_counted();
        for (int t = 0; t < nthreads; t++)
            if (slots[t] != barrier_value(phase, t))
                errors[self]++;
        /* Nobody may overwrite a slot for the next phase before all have checked this one. */
        barrier_wait_counted();
    }
    return NULL;
}

int main(int argc, char **argv)
{
    nthreads = argc > 1 ? atoi(argv[1]) : 8;
    nphases = argc > 2 ? atoi(argv[2]) : 50;
    if (nthreads < 1 || nthreads > BARRIER_THREADS_MAX || nphases < 0) {
        fprintf(stderr, "usage: barrier [1..%d] [P>=0]\n", BARRIER_THREADS_MAX);
        return 2;
    }
    pthread_barrier_init(&phase_barrier, NULL, (unsigned)nthreads);
    pthread_t tids[BARRIER_THREADS_MAX];
    for (long i = 0; i < nthreads; i++)
        if (pthread_create(&tids[i], NULL, barrier_worker, (void *)i) != 0) {
            fprintf(stderr, "barrier: pthread_create %ld failed\n", i);
            return 1;
        }
    long total_errors = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(tids[i], NULL);
        total_errors += errors[i];
    }
    pthread_barrier_destroy(&phase_barrier);
    long checksum = 0;
    for (int i = 0; i < nthreads; i++)
        checksum += slots[i];
    bool ok = total_errors == 0 && serial_count == 2L * nphases;
    printf("barrier: %d threads %d phases serial=%ld errors=%ld checksum=%ld (%s)\n", nthreads,
           nphases, serial_count, total_errors, checksum, ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}
