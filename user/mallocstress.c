// SPDX-License-Identifier: MIT
// mallocstress: T threads each run OPS random malloc/realloc/free steps over their own table
// of live blocks, from a per-thread seeded PRNG. Every block is filled with a pattern derived
// from its identity and checked before it is freed or after realloc moves it; sizes span
// small bins up to 256 KiB (musl's mmap threshold is far below). Fails on any corruption.
// Usage: mallocstress [T=4] [OPS=5000] [SEED=1]
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS_THREADS_MAX 64
#define MS_SLOTS 64
#define MS_SMALL_MAX 512          /* most requests: small-bin sizes */
#define MS_LARGE_MAX (256 * 1024) /* 1 in 32 requests: up to 256 KiB (mmap above ~128 KiB) */
#define MS_LARGE_ONE_IN 32

struct ms_block {
    unsigned char *ptr;
    size_t size;
    unsigned char pattern;
};

struct ms_thread {
    uint64_t rng;
    long ops;
    unsigned long long bytes; /* total bytes requested: the deterministic checksum */
    long errors;
    struct ms_block slots[MS_SLOTS];
};

static struct ms_thread threads[MS_THREADS_MAX];

static uint64_t ms_next(uint64_t *state)
{
    /* splitmix64: a full-period 64-bit generator, good enough for test inputs. */
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static size_t ms_size(uint64_t *rng)
{
    uint64_t r = ms_next(rng);
    if (r % MS_LARGE_ONE_IN == 0)
        return 1 + (size_t)((r >> 8) % MS_LARGE_MAX);
    return 1 + (size_t)((r >> 8) % MS_SMALL_MAX);
}

static bool ms_check(const struct ms_block *b, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (b->ptr[i] != (unsigned char)(b->pattern + i * 7))
            return false;
    return true;
}

static void ms_fill(struct ms_block *b, size_t from)
{
    for (size_t i = from; i < b->size; i++)
        b->ptr[i] = (unsigned char)(b->pattern + i * 7);
}

static void *ms_worker(void *arg)
{
    struct ms_thread *t = arg;
    for (long op = 0; op < t->ops; op++) {
        struct ms_block *b = &t->slots[ms_next(&t->rng) % MS_SLOTS];
        if (!b->ptr) {
            b->size = ms_size(&t->rng);
            b->pattern = (unsigned char)ms_next(&t->rng);
            b->ptr = malloc(b->size);
            if (!b->ptr) {
                t->errors++;
                continue;
            }
            t->bytes += b->size;
            ms_fill(b, 0);
        } else if (ms_next(&t->rng) % 2) {
            size_t new_size = ms_size(&t->rng);
            unsigned char *p = realloc(b->ptr, new_size);
            if (!p) {
                t->errors++;
                continue;
            }
            size_t kept = b->size < new_size ? b->size : new_size;
            b->ptr = p;
            if (!ms_check(b, kept))
                t->errors++;
            b->size = new_size;
            t->bytes += new_size;
            ms_fill(b, kept);
        } else {
            if (!ms_check(b, b->size))
                t->errors++;
            free(b->ptr);
            b->ptr = NULL;
        }
    }
    for (int s = 0; s < MS_SLOTS; s++) {
        struct ms_block *b = &t->slots[s];
        if (b->ptr && !ms_check(b, b->size))
            t->errors++;
        free(b->ptr);
        b->ptr = NULL;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int nthreads = argc > 1 ? atoi(argv[1]) : 4;
    long ops = argc > 2 ? atol(argv[2]) : 5000;
    uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 0) : 1;
    if (nthreads < 1 || nthreads > MS_THREADS_MAX || ops < 0) {
        fprintf(stderr, "usage: mallocstress [1..%d] [OPS] [SEED]\n", MS_THREADS_MAX);
        return 2;
    }
    pthread_t tids[MS_THREADS_MAX];
    for (int i = 0; i < nthreads; i++) {
        threads[i].rng = seed * 1000003u + (uint64_t)i;
        threads[i].ops = ops;
        if (pthread_create(&tids[i], NULL, ms_worker, &threads[i]) != 0) {
            fprintf(stderr, "mallocstress: pthread_create %d failed\n", i);
            return 1;
        }
    }
    unsigned long long bytes = 0;
    long errors = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(tids[i], NULL);
        bytes += threads[i].bytes;
        errors += threads[i].errors;
    }
    printf("mallocstress: %d threads x %ld ops bytes=%llu errors=%ld (%s)\n", nthreads, ops, bytes,
           errors, errors == 0 ? "ok" : "WRONG");
    return errors == 0 ? 0 : 1;
}
