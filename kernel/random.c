/* SPDX-License-Identifier: MIT */
/* The random byte source of kernel/random.h. splitmix64 constants from Steele, Lea and
 * Flood, "Fast splittable pseudorandom number generators" (OOPSLA 2014). */
#include "kernel/random.h"

#include <arch/cpu.h>
#include <stdbool.h>
#include <stdint.h>

#include "kernel/libc.h"

#define CPUID_FEATURES 1
#define CPUID1_ECX_RDRAND (1u << 30)
#define RDRAND_RETRIES 10 /* Intel DRNG guide 5.2.1: retry up to 10 times */
#define SPLITMIX_GAMMA 0x9e3779b97f4a7c15ull
#define SPLITMIX_MUL1 0xbf58476d1ce4e5b9ull
#define SPLITMIX_MUL2 0x94d049bb133111ebull

static uint64_t random_state;
static int random_has_rdrand = -1; /* -1 unknown, then 0/1 */

static uint64_t random_splitmix(void)
{
    uint64_t z = (random_state += SPLITMIX_GAMMA) ^ cpu_rdtsc();
    z = (z ^ (z >> 30)) * SPLITMIX_MUL1;
    z = (z ^ (z >> 27)) * SPLITMIX_MUL2;
    return z ^ (z >> 31);
}

static bool random_rdrand(uint64_t *out)
{
    for (int i = 0; i < RDRAND_RETRIES; i++) {
        uint8_t ok;
        __asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok));
        if (ok)
            return true;
    }
    return false;
}

static uint64_t random_u64(void)
{
    if (random_has_rdrand < 0)
        random_has_rdrand = (cpu_cpuid(CPUID_FEATURES, 0).ecx & CPUID1_ECX_RDRAND) != 0;
    uint64_t v;
    if (random_has_rdrand && random_rdrand(&v))
        return v ^ random_splitmix();
    return random_splitmix();
}

void random_fill(void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len > 0) {
        uint64_t v = random_u64();
        size_t n = len < sizeof v ? len : sizeof v;
        memcpy(p, &v, n);
        p += n;
        len -= n;
    }
}
