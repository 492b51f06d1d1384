/* SPDX-License-Identifier: MIT */
/* Byte-order helpers for wire formats: network (big-endian) loads and stores for the
 * IETF headers, little-endian for SipHash words. Unaligned-safe (byte access only). */
#ifndef NET_WIRE_H
#define NET_WIRE_H

#include <stdint.h>

/* Big-endian (network order) loads of 16, 32 and 64 bits at p. */
static inline uint16_t wire_get_be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t wire_get_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint64_t wire_get_be64(const uint8_t *p)
{
    return ((uint64_t)wire_get_be32(p) << 32) | wire_get_be32(p + 4);
}
/* Big-endian stores of v at p. */
static inline void wire_put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void wire_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static inline void wire_put_be64(uint8_t *p, uint64_t v)
{
    wire_put_be32(p, (uint32_t)(v >> 32));
    wire_put_be32(p + 4, (uint32_t)v);
}
/* Little-endian 64-bit load (SipHash message words). */
static inline uint64_t wire_get_le64(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v; /* one unaligned load: SipHash runs this per 8 bytes of every message */
    __builtin_memcpy(&v, p, sizeof v);
    return v;
#else
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
#endif
}
/* Little-endian 64-bit store (SipHash output). */
static inline void wire_put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

#endif
