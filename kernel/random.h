/* SPDX-License-Identifier: MIT */
/* Random bytes for AT_RANDOM and getrandom(2): RDRAND when CPUID offers it (SDM vol. 1
 * 7.3.17), mixed with the TSC through a splitmix64 generator otherwise. Not a vetted
 * CSPRNG: good enough for musl's stack canary and hash seeds, not for keys. */
#ifndef KERNEL_RANDOM_H
#define KERNEL_RANDOM_H

#include <stddef.h>

/* Fills buf with len random bytes. */
void random_fill(void *buf, size_t len);

#endif
