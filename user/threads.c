// SPDX-License-Identifier: MIT
// threads: T threads each add 1 to one mutex-protected counter K times (pthread mutex, which
// rests on futex WAIT/WAKE). Prints the total and fails unless it is exactly T*K.
// Usage: threads [T=8] [K=10000]
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS_MAX 256

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static long increments;

static void *threads_worker(void *arg)
{
    (void)arg;
    for (long i = 0; i < increments; i++) {
        pthread_mutex_lock(&counter_lock);
        counter++;
        pthread_mutex_unlock(&counter_lock);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int nthreads = argc > 1 ? atoi(argv[1]) : 8;
    increments = argc > 2 ? atol(argv[2]) : 10000;
    if (nthreads < 1 || nthreads > THREADS_MAX || increments < 0) {
        fprintf(stderr, "usage: threads [1..%d] [K>=0]\n", THREADS_MAX);
        return 2;
    }
    pthread_t tids[THREADS_MAX];
    for (int i = 0; i < nthreads; i++)
        if (pthread_create(&tids[i], NULL, threads_worker, NULL) != 0) {
            fprintf(stderr, "threads: pthread_create %d failed\n", i);
            return 1;
        }
    for (int i = 0; i < nthreads; i++)
        pthread_join(tids[i], NULL);
    long expected = nthreads * increments;
    printf("threads: %d threads x %ld increments = %ld (%s)\n", nthreads, increments, counter,
           counter == expected ? "ok" : "WRONG");
    return counter == expected ? 0 : 1;
}
