/* SPDX-License-Identifier: MIT */
/* Bulk copy for packet payloads (see copy.h). */
#include "net/copy.h"

#include <stdint.h>

#include "kernel/hot_loop.h"

HOT_LOOP void net_copy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    for (; n >= 8; n -= 8, d += 8, s += 8) {
        uint64_t w;
        __builtin_memcpy(&w, s, sizeof w);
        __builtin_memcpy(d, &w, sizeof w);
        /* Keeps the compiler from turning this loop back into a memcpy call. */
        __asm__ volatile("" : : : );
    }
    while (n--)
        *d++ = *s++;
}
