// SPDX-License-Identifier: MIT
// matmul: C = A * B for N x N double matrices, rows of C split in contiguous blocks over T
// threads. Entries are small integers, so every product and sum is exact and the checksum
// does not depend on T or on the machine. Prints the sum and a position-weighted hash of C.
// Usage: matmul [N=64] [T=4]
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MATMUL_THREADS_MAX 256
#define MATMUL_N_MAX 2048

static double *mat_a, *mat_b, *mat_c;
static int size;
static int nthreads;

static void *matmul_worker(void *arg)
{
    int self = (int)(long)arg;
    int first = (int)((long)size * self / nthreads);
    int last = (int)((long)size * (self + 1) / nthreads);
    for (int i = first; i < last; i++)
        for (int j = 0; j < size; j++) {
            double sum = 0.0;
            for (int k = 0; k < size; k++)
                sum += mat_a[(size_t)i * size + k] * mat_b[(size_t)k * size + j];
            mat_c[(size_t)i * size + j] = sum;
        }
    return NULL;
}

int main(int argc, char **argv)
{
    size = argc > 1 ? atoi(argv[1]) : 64;
    nthreads = argc > 2 ? atoi(argv[2]) : 4;
    if (size < 1 || size > MATMUL_N_MAX || nthreads < 1 || nthreads > MATMUL_THREADS_MAX) {
        fprintf(stderr, "usage: matmul [1..%d] [1..%d]\n", MATMUL_N_MAX, MATMUL_THREADS_MAX);
        return 2;
    }
    size_t cells = (size_t)size * size;
    mat_a = malloc(cells * sizeof(double));
    mat_b = malloc(cells * sizeof(double));
    mat_c = malloc(cells * sizeof(double));
    if (!mat_a || !mat_b || !mat_c) {
        fprintf(stderr, "matmul: out of memory\n");
        return 1;
    }
    for (int i = 0; i < size; i++)
        for (int j = 0; j < size; j++) {
            mat_a[(size_t)i * size + j] = (double)((i * 7 + j * 3) % 11 - 5);
            mat_b[(size_t)i * size + j] = (double)((i * 5 + j * 13) % 9 - 4);
        }
    pthread_t tids[MATMUL_THREADS_MAX];
    for (long t = 0; t < nthreads; t++)
        if (pthread_create(&tids[t], NULL, matmul_worker, (void *)t) != 0) {
            fprintf(stderr, "matmul: pthread_create %ld failed\n", t);
            return 1;
        }
    for (int t = 0; t < nthreads; t++)
        pthread_join(tids[t], NULL);

    double sum = 0.0;
    uint64_t hash = 0;
    for (size_t c = 0; c < cells; c++) {
        sum += mat_c[c];
        hash = hash * 1000003u + (uint64_t)(int64_t)mat_c[c];
    }
    printf("matmul: n=%d threads=%d sum=%.1f hash=%016llx\n", size, nthreads, sum,
           (unsigned long long)hash);
    free(mat_a);
    free(mat_b);
    free(mat_c);
    return 0;
}
