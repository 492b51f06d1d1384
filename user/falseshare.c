// SPDX-License-Identifier: MIT
// falseshare: T threads each increment their own 64-bit word K times, and all the words sit
// in ONE page (a DSM false-sharing workload: no data is shared, the page is). The words are
// volatile so every increment is a real store. Prints each word and the total.
// Usage: falseshare [T=4] [K=100000]
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FS_PAGE_SIZE 4096
#define FS_WORDS (FS_PAGE_SIZE / sizeof(uint64_t))

static volatile uint64_t page_words[FS_WORDS] __attribute__((aligned(FS_PAGE_SIZE)));
static long increments;

static void *fs_worker(void *arg)
{
    volatile uint64_t *word = arg;
    for (long i = 0; i < increments; i++)
        (*word)++;
    return NULL;
}

int main(int argc, char **argv)
{
    int nthreads = argc > 1 ? atoi(argv[1]) : 4;
    increments = argc > 2 ? atol(argv[2]) : 100000;
    if (nthreads < 1 || nthreads > (int)FS_WORDS || increments < 0) {
        fprintf(stderr, "usage: falseshare [1..%zu] [K]\n", FS_WORDS);
        return 2;
    }
    pthread_t tids[FS_WORDS];
    for (int i = 0; i < nthreads; i++)
        if (pthread_create(&tids[i], NULL, fs_worker, (void *)&page_words[i]) != 0) {
            fprintf(stderr, "falseshare: pthread_create %d failed\n", i);
            return 1;
        }
    for (int i = 0; i < nthreads; i++)
        pthread_join(tids[i], NULL);
    uint64_t total = 0;
    int bad = 0;
    printf("falseshare: %d threads x %ld increments:", nthreads, increments);
    for (int i = 0; i < nthreads; i++) {
        printf(" %llu", (unsigned long long)page_words[i]);
        total += page_words[i];
        bad += page_words[i] != (uint64_t)increments;
    }
    printf("\nfalseshare: total=%llu (%s)\n", (unsigned long long)total, bad ? "WRONG" : "ok");
    return bad ? 1 : 0;
}
