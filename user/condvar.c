// SPDX-License-Identifier: MIT
// condvar: bounded-buffer producer/consumer with one mutex and two pthread condition
// variables. P producers each put N items; C consumers take them until all are consumed.
// Prints the count and an order-independent checksum of the consumed items.
// Usage: condvar [P=4] [C=4] [N=2000]
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CONDVAR_SLOTS 8
#define CONDVAR_THREADS_MAX 128

static pthread_mutex_t buf_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
/* All guarded by buf_lock. */
static uint64_t ring[CONDVAR_SLOTS];
static int ring_head, ring_count;
static long consumed, total_items;
static uint64_t consumed_sum, consumed_xor;
static long items_per_producer;

static uint64_t condvar_item(long producer, long seq)
{
    /* Distinct, spread values so a lost or duplicated item changes both checksums. */
    uint64_t x = (uint64_t)producer << 32 | (uint64_t)seq;
    x ^= x >> 31;
    x *= 0x9e3779b97f4a7c15ull;
    return x ^ (x >> 29);
}

static void *condvar_producer(void *arg)
{
    long self = (long)arg;
    for (long seq = 0; seq < items_per_producer; seq++) {
        pthread_mutex_lock(&buf_lock);
        while (ring_count == CONDVAR_SLOTS)
            pthread_cond_wait(&not_full, &buf_lock);
        ring[(ring_head + ring_count) % CONDVAR_SLOTS] = condvar_item(self, seq);
        ring_count++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&buf_lock);
    }
    return NULL;
}

static void *condvar_consumer(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&buf_lock);
        while (ring_count == 0 && consumed < total_items)
            pthread_cond_wait(&not_empty, &buf_lock);
        if (consumed == total_items) {
            pthread_cond_broadcast(&not_empty); /* let the other consumers see the end */
            pthread_mutex_unlock(&buf_lock);
            return NULL;
        }
        uint64_t item = ring[ring_head];
        ring_head = (ring_head + 1) % CONDVAR_SLOTS;
        ring_count--;
        consumed++;
        consumed_sum += item;
        consumed_xor ^= item;
        if (consumed == total_items)
            pthread_cond_broadcast(&not_empty);
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&buf_lock);
    }
}

int main(int argc, char **argv)
{
    int producers = argc > 1 ? atoi(argv[1]) : 4;
    int consumers = argc > 2 ? atoi(argv[2]) : 4;
    items_per_producer = argc > 3 ? atol(argv[3]) : 2000;
    if (producers < 1 || consumers < 1 || producers + consumers > CONDVAR_THREADS_MAX ||
        items_per_producer < 0) {
        fprintf(stderr, "usage: condvar [P] [C] [N] with P+C <= %d\n", CONDVAR_THREADS_MAX);
        return 2;
    }
    total_items = producers * items_per_producer;
    pthread_t tids[CONDVAR_THREADS_MAX];
    int n = 0;
    for (long i = 0; i < consumers; i++, n++)
        if (pthread_create(&tids[n], NULL, condvar_consumer, (void *)i) != 0)
            return 1;
    for (long i = 0; i < producers; i++, n++)
        if (pthread_create(&tids[n], NULL, condvar_producer, (void *)i) != 0)
            return 1;
    for (int i = 0; i < n; i++)
        pthread_join(tids[i], NULL);

    uint64_t want_sum = 0, want_xor = 0;
    for (long p = 0; p < producers; p++)
        for (long s = 0; s < items_per_producer; s++) {
            want_sum += condvar_item(p, s);
            want_xor ^= condvar_item(p, s);
        }
    bool ok = consumed == total_items && consumed_sum == want_sum && consumed_xor == want_xor;
    printf("condvar: %d producers %d consumers %ld items sum=%016llx xor=%016llx (%s)\n", producers,
           consumers, consumed, (unsigned long long)consumed_sum, (unsigned long long)consumed_xor,
           ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}
