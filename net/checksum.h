/* SPDX-License-Identifier: MIT */
/* The Internet checksum (RFC 1071): one's-complement sum of 16-bit big-endian words,
 * used by IPv4 headers, ICMP and UDP. Incremental: sum pieces, then fold. */
#ifndef NET_CHECKSUM_H
#define NET_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Adds bytes to a running 32-bit partial sum; an odd length must be the last piece. */
uint32_t checksum_add(uint32_t sum, const uint8_t *bytes, size_t len);
/* Folds a partial sum and complements it: the value to store in a header field. */
uint16_t checksum_finish(uint32_t sum);

#endif
