/* SPDX-License-Identifier: MIT */
/* UDP codec (see udp.h); checksum over the RFC 768 pseudo header. */
#include "net/udp.h"

#include "net/checksum.h"
#include "net/ipv4.h"
#include "net/wire.h"

static uint32_t udp_pseudo_sum(uint32_t src_ip, uint32_t dst_ip, uint16_t udp_len)
{
    uint8_t pseudo[12];
    wire_put_be32(pseudo, src_ip);
    wire_put_be32(pseudo + 4, dst_ip);
    pseudo[8] = 0;
    pseudo[9] = IPV4_PROTO_UDP;
    wire_put_be16(pseudo + 10, udp_len);
    return checksum_add(0, pseudo, sizeof pseudo);
}

enum udp_decode_result udp_decode(const uint8_t *b, size_t len, uint32_t src_ip, uint32_t dst_ip,
                                  struct udp_header *out)
{
    if (len < UDP_HEADER_LEN)
        return UDP_DECODE_MALFORMED;
    out->src_port = wire_get_be16(b);
    out->dst_port = wire_get_be16(b + 2);
    out->length = wire_get_be16(b + 4);
    if (out->length < UDP_HEADER_LEN || out->length > len)
        return UDP_DECODE_MALFORMED;
    if (wire_get_be16(b + 6) != 0) {
        uint32_t sum = udp_pseudo_sum(src_ip, dst_ip, out->length);
        if (checksum_finish(checksum_add(sum, b, out->length)) != 0)
            return UDP_DECODE_CHECKSUM;
    }
    return UDP_DECODE_OK;
}

void udp_encode_unchecked(uint8_t *out, uint16_t src_port, uint16_t dst_port, size_t payload_len)
{
    wire_put_be16(out, src_port);
    wire_put_be16(out + 2, dst_port);
    wire_put_be16(out + 4, (uint16_t)(UDP_HEADER_LEN + payload_len));
    wire_put_be16(out + 6, 0); /* RFC 768: zero = no checksum was computed */
}

void udp_encode(uint8_t *out, uint16_t src_port, uint16_t dst_port, const uint8_t *payload, size_t payload_len,
                uint32_t src_ip, uint32_t dst_ip)
{
    uint16_t length = (uint16_t)(UDP_HEADER_LEN + payload_len);
    wire_put_be16(out, src_port);
    wire_put_be16(out + 2, dst_port);
    wire_put_be16(out + 4, length);
    wire_put_be16(out + 6, 0);
    uint32_t sum = udp_pseudo_sum(src_ip, dst_ip, length);
    sum = checksum_add(sum, out, UDP_HEADER_LEN);
    uint16_t c = checksum_finish(checksum_add(sum, payload, payload_len));
    /* RFC 768: a computed zero is sent as all ones (zero means "no checksum"). */
    wire_put_be16(out + 6, c == 0 ? 0xffff : c);
}
