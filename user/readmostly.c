// SPDX-License-Identifier: MIT
// readmostly: a table that T reader threads scan over and over while one writer thread
// changes a few entries between rounds (issue 6: the workload write-update favours: under
// write-invalidate every round costs each reader a refetch of the changed pages; under
// write-update the new values are already in their copies). The table starts all zero
// (bss: nothing to copy in) and the writer's changes are spread one per stretch of the
// table, so each round touches UPDATES different pages. Rounds are fenced with a barrier,
// so every reader sees the same table and the output is deterministic.
// Usage: readmostly [T=3] [ROUNDS=50] [ENTRIES=8192] [UPDATES=16] [PASSES=4]
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define RM_PAGE_SIZE 4096
#define RM_MAX_ENTRIES 8192 /* 16 pages of 64-bit entries */
#define RM_MAX_READERS 64

// The shared table: page aligned so nothing else lives on its pages (the write-update
// symbol of tests/cluster/test_dsm_update.py), written only by plain stores.
static uint64_t table[RM_MAX_ENTRIES] __attribute__((aligned(RM_PAGE_SIZE)));

static pthread_barrier_t round_start, round_end;
static int readers, rounds, entries, updates, passes;
static uint64_t sums[RM_MAX_READERS];

// Deterministic value written to entry i in round r (a 64-bit mix, so each change shows).
static uint64_t rm_value(uint64_t i, uint64_t r)
{
    uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ull ^ (r + 1) * 0xbf58476d1ce4e5b9ull;
    x ^= x >> 31;
    return x * 0x94d049bb133111ebull;
}

static void *rm_reader(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int r = 0; r < rounds; r++) {
        pthread_barrier_wait(&round_start);
        uint64_t sum = 0;
        for (int p = 0; p < passes; p++)
            for (int i = 0; i < entries; i++)
                sum += table[i] ^ (uint64_t)p;
        sums[id] = sum;
        pthread_barrier_wait(&round_end);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    readers = argc > 1 ? atoi(argv[1]) : 3;
    rounds = argc > 2 ? atoi(argv[2]) : 50;
    entries = argc > 3 ? atoi(argv[3]) : RM_MAX_ENTRIES;
    updates = argc > 4 ? atoi(argv[4]) : 16;
    passes = argc > 5 ? atoi(argv[5]) : 4;
    if (readers < 1 || readers > RM_MAX_READERS || rounds < 1 || entries < 1 || entries > RM_MAX_ENTRIES ||
        updates < 0 || passes < 1) {
        fprintf(stderr, "usage: readmostly [T 1..%d] [ROUNDS] [ENTRIES 1..%d] [UPDATES] [PASSES]\n",
                RM_MAX_READERS, RM_MAX_ENTRIES);
        return 2;
    }
    pthread_barrier_init(&round_start, NULL, (unsigned)readers + 1);
    pthread_barrier_init(&round_end, NULL, (unsigned)readers + 1);
    pthread_t tids[RM_MAX_READERS];
    for (int t = 0; t < readers; t++)
        if (pthread_create(&tids[t], NULL, rm_reader, (void *)(intptr_t)t) != 0) {
            fprintf(stderr, "readmostly: pthread_create %d failed\n", t);
            return 1;
        }
    uint64_t digest = 0;
    int bad = 0;
    for (int r = 0; r < rounds; r++) {
        // The writer (main) changes one entry in each of UPDATES stretches of the table (a
        // different one each round), then the readers scan.
        for (int u = 0; u < updates; u++) {
            int i = (int)(((uint64_t)u * (uint64_t)entries / (uint64_t)updates + (uint64_t)r * 61) % (uint64_t)entries);
            table[i] = rm_value((uint64_t)i, (uint64_t)r);
        }
        pthread_barrier_wait(&round_start);
        pthread_barrier_wait(&round_end);
        for (int t = 1; t < readers; t++)
            bad += sums[t] != sums[0];
        digest = digest * 31 + sums[0];
        if (r % 5 == 4 || r == rounds - 1)
            printf("readmostly: round %d sum=%016llx\n", r + 1, (unsigned long long)sums[0]);
    }
    for (int t = 0; t < readers; t++)
        pthread_join(tids[t], NULL);
    printf("readmostly: %d readers x %d rounds x %d entries, %d updates/round: digest=%016llx (%s)\n", readers, rounds,
           entries, updates, (unsigned long long)digest, bad ? "readers DISAGREE" : "ok");
    return bad ? 1 : 0;
}
