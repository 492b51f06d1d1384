/* SPDX-License-Identifier: MIT */
/* IPv4 header codec (RFC 791 section 3.1) with the header checksum (RFC 1071). Options
 * are accepted and skipped on input, never generated; no multicast, no routing. */
#ifndef NET_IPV4_H
#define NET_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPV4_HEADER_LEN 20          /* without options (IHL 5) */
#define IPV4_VERSION 4
#define IPV4_IHL_MIN 5              /* in 32-bit words */
#define IPV4_FLAG_DF 0x4000         /* fragment field: don't fragment */
#define IPV4_FLAG_MF 0x2000         /* fragment field: more fragments */
#define IPV4_FRAG_OFFSET_MASK 0x1fff /* fragment field: offset in 8-byte units */
#define IPV4_FRAG_UNIT 8
#define IPV4_DEFAULT_TTL 64         /* RFC 1700 recommended default */
#define IPV4_PROTO_ICMP 1           /* IANA protocol numbers */
#define IPV4_PROTO_UDP 17
#define IPV4_MAX_DATAGRAM 65535

struct ipv4_header {
    uint8_t header_len;   /* bytes, 20..60 */
    uint8_t tos;
    uint16_t total_len;   /* header + payload bytes */
    uint16_t id;
    bool more_fragments;
    bool dont_fragment;
    uint16_t frag_offset; /* bytes */
    uint8_t ttl;
    uint8_t protocol;
    uint32_t src, dst;    /* host byte order */
};

enum ipv4_decode_result {
    IPV4_DECODE_OK = 0,
    IPV4_DECODE_MALFORMED,  /* too short, wrong version, IHL or total length */
    IPV4_DECODE_CHECKSUM,   /* header checksum mismatch */
};

/* Parses and checks the header at bytes (len bytes available, padding after total_len
 * allowed). On OK the payload is bytes[header_len .. total_len). */
enum ipv4_decode_result ipv4_decode(const uint8_t *bytes, size_t len, struct ipv4_header *out);
/* Writes a 20-byte header (IHL 5) with a correct checksum at out. */
void ipv4_encode(uint8_t *out, const struct ipv4_header *h);
/* Makes an address from four dotted-quad parts. */
static inline uint32_t ipv4_addr(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    return ((uint32_t)a << 24) | ((uint32_t)b << 16) | ((uint32_t)c << 8) | d;
}

#endif
