/* SPDX-License-Identifier: MIT */
/* Internet checksum (RFC 1071 section 4.1). Sums 32-bit big-endian words into a 64-bit
 * accumulator (RFC 1071 section 2(C): wider sums fold to the same result), which cannot
 * overflow below 2^34 bytes; loads go through the byte helpers, so alignment is free. */
#include "net/checksum.h"

#include "kernel/hot_loop.h"
#include "net/wire.h"

HOT_LOOP uint32_t checksum_add(uint32_t sum, const uint8_t *bytes, size_t len)
{
    uint64_t acc = sum;
    size_t i = 0;
    for (; i + 3 < len; i += 4)
        acc += wire_get_be32(bytes + i);
    for (; i + 1 < len; i += 2)
        acc += (uint32_t)((bytes[i] << 8) | bytes[i + 1]);
    if (i < len)
        acc += (uint32_t)(bytes[i] << 8);
    while (acc >> 32)
        acc = (acc & 0xffffffffu) + (acc >> 32);
    return (uint32_t)acc;
}

uint16_t checksum_finish(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}
