// SPDX-License-Identifier: MIT
// sor: red-black successive over-relaxation for Laplace's equation on an N x N interior grid
// with fixed boundary values; rows split over T threads, two barriers per iteration (after
// the red and after the black half-sweep). A point only reads points of the other colour,
// so the result is the same for any T. Prints the final residual norm and a grid checksum.
// Usage: sor [N=64] [ITERS=50] [T=4]
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define SOR_THREADS_MAX 256
#define SOR_N_MAX 4096
#define SOR_OMEGA 1.5 /* over-relaxation factor, 1 < omega < 2 */

static double *grid; /* (size+2) x (size+2), row-major, boundary included */
static int size, iterations, nthreads;
static pthread_barrier_t sweep_barrier;

static double *sor_at(int i, int j) { return &grid[(size_t)i * (size + 2) + j]; }

static void sor_sweep(int first, int last, int colour)
{
    for (int i = first; i < last; i++)
        for (int j = 1 + (i + colour) % 2; j <= size; j += 2) {
            double avg = 0.25 * (*sor_at(i - 1, j) + *sor_at(i + 1, j) + *sor_at(i, j - 1) +
                                 *sor_at(i, j + 1));
            *sor_at(i, j) += SOR_OMEGA * (avg - *sor_at(i, j));
        }
}

static void *sor_worker(void *arg)
{
    int self = (int)(long)arg;
    int first = 1 + (int)((long)size * self / nthreads);
    int last = 1 + (int)((long)size * (self + 1) / nthreads);
    for (int it = 0; it < iterations; it++) {
        sor_sweep(first, last, 0);
        pthread_barrier_wait(&sweep_barrier);
        sor_sweep(first, last, 1);
        pthread_barrier_wait(&sweep_barrier);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    size = argc > 1 ? atoi(argv[1]) : 64;
    iterations = argc > 2 ? atoi(argv[2]) : 50;
    nthreads = argc > 3 ? atoi(argv[3]) : 4;
    if (size < 1 || size > SOR_N_MAX || iterations < 0 || nthreads < 1 ||
        nthreads > SOR_THREADS_MAX) {
        fprintf(stderr, "usage: sor [1..%d] [ITERS] [1..%d]\n", SOR_N_MAX, SOR_THREADS_MAX);
        return 2;
    }
    grid = calloc((size_t)(size + 2) * (size + 2), sizeof(double));
    if (!grid) {
        fprintf(stderr, "sor: out of memory\n");
        return 1;
    }
    /* Boundary: top edge hot (100), left edge warm (50), the rest 0. */
    for (int k = 0; k < size + 2; k++) {
        *sor_at(0, k) = 100.0;
        *sor_at(k, 0) = 50.0;
    }
    pthread_barrier_init(&sweep_barrier, NULL, (unsigned)nthreads);
    pthread_t tids[SOR_THREADS_MAX];
    for (long t = 0; t < nthreads; t++)
        if (pthread_create(&tids[t], NULL, sor_worker, (void *)t) != 0) {
            fprintf(stderr, "sor: pthread_create %ld failed\n", t);
            return 1;
        }
    for (int t = 0; t < nthreads; t++)
        pthread_join(tids[t], NULL);
    pthread_barrier_destroy(&sweep_barrier);

    double residual = 0.0, checksum = 0.0;
    for (int i = 1; i <= size; i++)
        for (int j = 1; j <= size; j++) {
            double r = 4.0 * *sor_at(i, j) - *sor_at(i - 1, j) - *sor_at(i + 1, j) -
                       *sor_at(i, j - 1) - *sor_at(i, j + 1);
            residual += r * r;
            checksum += *sor_at(i, j) * (double)((i * 31 + j) % 17 + 1);
        }
    printf("sor: n=%d iterations=%d residual=%.12e checksum=%.12e\n", size, iterations,
           sqrt(residual), checksum);
    free(grid);
    return 0;
}
