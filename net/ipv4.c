/* SPDX-License-Identifier: MIT */
/* IPv4 header codec (see ipv4.h). */
#include "net/ipv4.h"

#include "net/checksum.h"
#include "net/wire.h"

enum ipv4_decode_result ipv4_decode(const uint8_t *b, size_t len, struct ipv4_header *out)
{
    if (len < IPV4_HEADER_LEN || (b[0] >> 4) != IPV4_VERSION)
        return IPV4_DECODE_MALFORMED;
    unsigned ihl = b[0] & 0x0fu;
    size_t header_len = (size_t)ihl * 4;
    if (ihl < IPV4_IHL_MIN || header_len > len)
        return IPV4_DECODE_MALFORMED;
    uint16_t total_len = wire_get_be16(b + 2);
    if (total_len < header_len || total_len > len)
        return IPV4_DECODE_MALFORMED;
    if (checksum_finish(checksum_add(0, b, header_len)) != 0)
        return IPV4_DECODE_CHECKSUM;
    uint16_t frag = wire_get_be16(b + 6);
    out->header_len = (uint8_t)header_len;
    out->tos = b[1];
    out->total_len = total_len;
    out->id = wire_get_be16(b + 4);
    out->more_fragments = (frag & IPV4_FLAG_MF) != 0;
    out->dont_fragment = (frag & IPV4_FLAG_DF) != 0;
    out->frag_offset = (uint16_t)((frag & IPV4_FRAG_OFFSET_MASK) * IPV4_FRAG_UNIT);
    out->ttl = b[8];
    out->protocol = b[9];
    out->src = wire_get_be32(b + 12);
    out->dst = wire_get_be32(b + 16);
    return IPV4_DECODE_OK;
}

void ipv4_encode(uint8_t *b, const struct ipv4_header *h)
{
    uint16_t frag = (uint16_t)(h->frag_offset / IPV4_FRAG_UNIT);
    if (h->more_fragments)
        frag |= IPV4_FLAG_MF;
    if (h->dont_fragment)
        frag |= IPV4_FLAG_DF;
    b[0] = (uint8_t)((IPV4_VERSION << 4) | IPV4_IHL_MIN);
    b[1] = h->tos;
    wire_put_be16(b + 2, h->total_len);
    wire_put_be16(b + 4, h->id);
    wire_put_be16(b + 6, frag);
    b[8] = h->ttl;
    b[9] = h->protocol;
    wire_put_be16(b + 10, 0);
    wire_put_be32(b + 12, h->src);
    wire_put_be32(b + 16, h->dst);
    wire_put_be16(b + 10, checksum_finish(checksum_add(0, b, IPV4_HEADER_LEN)));
}
