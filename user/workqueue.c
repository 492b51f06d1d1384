// SPDX-License-Identifier: MIT
// workqueue: N independent compute-bound items (W rounds of an integer mix each), taken one
// at a time from a shared atomic counter by T threads; each result goes to its own slot, so
// the checksum over the slots in order does not depend on who computed what. A DSM speedup
// workload: almost no sharing beyond the counter.
// Usage: workqueue [N=256] [W=20000] [T=4]
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define WQ_THREADS_MAX 256
#define WQ_ITEMS_MAX (1 << 20)

static long next_item; /* shared: atomically incremented by every thread */
static long nitems, rounds;
static uint64_t *results;

static uint64_t wq_compute(long item)
{
    uint64_t x = (uint64_t)item + 1;
    for (long r = 0; r < rounds; r++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x += (uint64_t)r;
    }
    return x;
}

static void *wq_worker(void *arg)
{
    (void)arg;
    for (;;) {
        long item = __atomic_fetch_add(&next_item, 1, __ATOMIC_SEQ_CST);
        if (item >= nitems)
            return NULL;
        results[item] = wq_compute(item);
    }
}

int main(int argc, char **argv)
{
    nitems = argc > 1 ? atol(argv[1]) : 256;
    rounds = argc > 2 ? atol(argv[2]) : 20000;
    int nthreads = argc > 3 ? atoi(argv[3]) : 4;
    if (nitems < 1 || nitems > WQ_ITEMS_MAX || rounds < 0 || nthreads < 1 ||
        nthreads > WQ_THREADS_MAX) {
        fprintf(stderr, "usage: workqueue [1..%d] [W] [1..%d]\n", WQ_ITEMS_MAX, WQ_THREADS_MAX);
        return 2;
    }
    results = calloc((size_t)nitems, sizeof(*results));
    if (!results) {
        fprintf(stderr, "workqueue: out of memory\n");
        return 1;
    }
    pthread_t tids[WQ_THREADS_MAX];
    for (int t = 0; t < nthreads; t++)
        if (pthread_create(&tids[t], NULL, wq_worker, NULL) != 0) {
            fprintf(stderr, "workqueue: pthread_create %d failed\n", t);
            return 1;
        }
    for (int t = 0; t < nthreads; t++)
        pthread_join(tids[t], NULL);
    uint64_t checksum = 0;
    for (long i = 0; i < nitems; i++)
        checksum = checksum * 31 + results[i];
    printf("workqueue: items=%ld rounds=%ld checksum=%016llx\n", nitems, rounds,
           (unsigned long long)checksum);
    free(results);
    return 0;
}
