/* SPDX-License-Identifier: MIT */
/* Internet checksum (RFC 1071 section 4.1), computed byte-wise so it is alignment and
 * endianness independent. The 64-bit accumulator cannot overflow below 2^47 bytes. */
#include "net/checksum.h"

uint32_t checksum_add(uint32_t sum, const uint8_t *bytes, size_t len)
{
    uint64_t acc = sum;
    size_t i = 0;
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
