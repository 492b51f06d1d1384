/* SPDX-License-Identifier: MIT */
/* Bulk copy for packet payloads: 8-byte loads and stores. Under QEMU TCG this is several
 * times faster than `rep movsb` (measured here: 4 KiB in ~4 us against 15-35 us), and the
 * stack copies every page it sends or reassembles. Regions must not overlap. */
#ifndef NET_COPY_H
#define NET_COPY_H

#include <stddef.h>
#include <stdint.h>

/* Copies n bytes from src to dst (no overlap). */
static inline void net_copy(void *dst, const void *src, size_t n)
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

#endif
