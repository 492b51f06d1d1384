/* SPDX-License-Identifier: MIT */
/* Transport wire codec (see transport_codec.h). Layout, big-endian:
 *   0 magic u16 | 2 version u8 | 3 kind u8 | 4 type u8 | 5 flags u8 | 6 src u8 | 7 dst u8
 *   8 src_epoch u64 | 16 dst_epoch u64 | 24 seq u32 | 28 ack u32 | 32 sack u32
 *   36 payload_len u16 | 38 zero u16 | 40 request_id u64 | 48 payload | tag (16 bytes)
 * The tag is compared in constant time so timing does not leak how many bytes matched. */
#include "net/transport_codec.h"

#include "kernel/libc.h"
#include "net/copy.h"
#include "net/wire.h"

/* bytes: header and payload, len >= TRANSPORT_HEADER_LEN. */
static void transport_codec_tag(const uint8_t *bytes, size_t len, const struct transport_mac_key *key,
                                uint8_t tag[TRANSPORT_MAC_LEN])
{
    transport_mac_tag(key, bytes, TRANSPORT_HEADER_LEN, bytes + TRANSPORT_HEADER_LEN, len - TRANSPORT_HEADER_LEN, tag);
}

size_t transport_codec_encode(uint8_t *out, size_t cap, const struct transport_header *h, const uint8_t *payload,
                              const struct transport_mac_key *key)
{
    size_t body = TRANSPORT_HEADER_LEN + (size_t)h->payload_len;
    if (h->payload_len > TRANSPORT_MAX_MSG || cap < body + TRANSPORT_MAC_LEN)
        return 0;
    wire_put_be16(out, TRANSPORT_MAGIC);
    out[2] = TRANSPORT_VERSION;
    out[3] = h->kind;
    out[4] = h->type;
    out[5] = h->flags;
    out[6] = h->src;
    out[7] = h->dst;
    wire_put_be64(out + 8, h->src_epoch);
    wire_put_be64(out + TRANSPORT_OFF_DST_EPOCH, h->dst_epoch);
    wire_put_be32(out + TRANSPORT_OFF_SEQ, h->seq);
    wire_put_be32(out + TRANSPORT_OFF_ACK, h->ack);
    wire_put_be32(out + TRANSPORT_OFF_SACK, h->sack);
    wire_put_be16(out + 36, h->payload_len);
    wire_put_be16(out + 38, 0);
    wire_put_be64(out + 40, h->request_id);
    if (h->payload_len)
        net_copy(out + TRANSPORT_HEADER_LEN, payload, h->payload_len);
    transport_codec_tag(out, body, key, out + body);
    return body + TRANSPORT_MAC_LEN;
}

void transport_codec_set_seq(uint8_t *dgram, uint32_t seq)
{
    wire_put_be32(dgram + TRANSPORT_OFF_SEQ, seq);
}

void transport_codec_reseal(uint8_t *dgram, size_t len, uint64_t dst_epoch, uint32_t ack, uint32_t sack,
                            const struct transport_mac_key *key)
{
    wire_put_be64(dgram + TRANSPORT_OFF_DST_EPOCH, dst_epoch);
    wire_put_be32(dgram + TRANSPORT_OFF_ACK, ack);
    wire_put_be32(dgram + TRANSPORT_OFF_SACK, sack);
    transport_codec_tag(dgram, len - TRANSPORT_MAC_LEN, key, dgram + len - TRANSPORT_MAC_LEN);
}

enum transport_decode_result transport_codec_decode(const uint8_t *b, size_t len, const struct transport_mac_key *key,
                                                    struct transport_header *out, const uint8_t **payload)
{
    if (len < TRANSPORT_HEADER_LEN + TRANSPORT_MAC_LEN || len > TRANSPORT_DGRAM_MAX)
        return TRANSPORT_DECODE_MALFORMED;
    if (wire_get_be16(b) != TRANSPORT_MAGIC || b[2] != TRANSPORT_VERSION)
        return TRANSPORT_DECODE_MALFORMED;
    uint16_t payload_len = wire_get_be16(b + 36);
    if ((size_t)TRANSPORT_HEADER_LEN + payload_len + TRANSPORT_MAC_LEN != len)
        return TRANSPORT_DECODE_MALFORMED;
    uint8_t tag[TRANSPORT_MAC_LEN];
    transport_codec_tag(b, len - TRANSPORT_MAC_LEN, key, tag);
    uint8_t diff = 0;
    for (size_t i = 0; i < TRANSPORT_MAC_LEN; i++)
        diff |= (uint8_t)(tag[i] ^ b[len - TRANSPORT_MAC_LEN + i]);
    if (diff != 0)
        return TRANSPORT_DECODE_BAD_MAC;
    out->kind = b[3];
    out->type = b[4];
    out->flags = b[5];
    out->src = b[6];
    out->dst = b[7];
    out->src_epoch = wire_get_be64(b + 8);
    out->dst_epoch = wire_get_be64(b + TRANSPORT_OFF_DST_EPOCH);
    out->seq = wire_get_be32(b + TRANSPORT_OFF_SEQ);
    out->ack = wire_get_be32(b + TRANSPORT_OFF_ACK);
    out->sack = wire_get_be32(b + TRANSPORT_OFF_SACK);
    out->payload_len = payload_len;
    out->request_id = wire_get_be64(b + 40);
    /* Field rules: the tag proves the sender holds the key, not that it is well behaved. */
    bool data = out->kind == TRANSPORT_KIND_DATA;
    if ((out->kind != TRANSPORT_KIND_DATA && out->kind != TRANSPORT_KIND_ACK && out->kind != TRANSPORT_KIND_HELLO) ||
        (out->flags & ~TRANSPORT_FLAGS_KNOWN) != 0 || wire_get_be16(b + 38) != 0 || out->src_epoch == 0 ||
        data != (out->seq != 0) || (!data && (payload_len != 0 || out->type != 0 || out->flags != 0)) ||
        (out->kind == TRANSPORT_KIND_ACK && out->request_id != 0) ||
        out->src >= NET_MAX_NODES || out->dst >= NET_MAX_NODES)
        return TRANSPORT_DECODE_MALFORMED;
    *payload = b + TRANSPORT_HEADER_LEN;
    return TRANSPORT_DECODE_OK;
}
