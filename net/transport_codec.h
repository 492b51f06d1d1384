/* SPDX-License-Identifier: MIT */
/* Wire format of the cluster transport (one UDP datagram per message, DESIGN.md 6):
 * a 48-byte big-endian header, the payload, then a 16-byte tag over header and payload
 * (net/transport_mac.h: SipHash-2-4-128 over the header and an NH hash of the payload). Decoding checks lengths first, then the
 * tag, and only then hands out fields; it makes no protocol decisions. */
#ifndef NET_TRANSPORT_CODEC_H
#define NET_TRANSPORT_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net_defs.h"
#include "net/transport_mac.h"

#define TRANSPORT_MAGIC 0x444bu  /* "DK" */
#define TRANSPORT_VERSION 1
#define TRANSPORT_HEADER_LEN 48
#define TRANSPORT_MAC_LEN TRANSPORT_MAC_TAG_LEN
#define TRANSPORT_DGRAM_MAX (TRANSPORT_HEADER_LEN + TRANSPORT_MAX_MSG + TRANSPORT_MAC_LEN)
#define TRANSPORT_OFF_DST_EPOCH 16 /* header offsets rewritten by transport_codec_reseal */
#define TRANSPORT_OFF_SEQ 24
#define TRANSPORT_OFF_ACK 28
#define TRANSPORT_OFF_SACK 32

enum transport_kind {
    TRANSPORT_KIND_DATA = 1,  /* reliable, sequenced message */
    TRANSPORT_KIND_ACK = 2,   /* acknowledgement only, no payload */
    TRANSPORT_KIND_HELLO = 3, /* unreliable: epoch exchange, join and heartbeat */
};

#define TRANSPORT_FLAG_REQUEST 0x01    /* DATA: the sender awaits a reply to request_id */
#define TRANSPORT_FLAG_NO_HANDLER 0x02 /* DATA reply, no payload: the request's type has no handler */
#define TRANSPORT_FLAGS_KNOWN (TRANSPORT_FLAG_REQUEST | TRANSPORT_FLAG_NO_HANDLER)

struct transport_header {
    uint8_t kind;          /* enum transport_kind */
    uint8_t type;          /* DATA: message type; 0 otherwise */
    uint8_t flags;
    uint8_t src, dst;      /* node ids */
    uint64_t src_epoch;    /* sender's boot epoch */
    uint64_t dst_epoch;    /* receiver's boot epoch as the sender knows it; 0 = unknown */
    uint32_t seq;          /* DATA: 1, 2, ... per session; 0 otherwise */
    uint32_t ack;          /* every seq <= ack from the receiver was delivered */
    uint32_t sack;         /* bit i: seq ack + 2 + i is buffered at the receiver */
    uint16_t payload_len;
    uint64_t request_id;   /* DATA request or reply: the id; HELLO: the sender's hello counter; ACK: 0 */
};

enum transport_decode_result {
    TRANSPORT_DECODE_OK = 0,
    TRANSPORT_DECODE_MALFORMED, /* length, magic, version, kind or field rules broken */
    TRANSPORT_DECODE_BAD_MAC,
};

/* Writes header h (h->payload_len bytes of payload follow) and the tag into out, which has
 * room for cap bytes; returns the datagram length, 0 if it does not fit. */
size_t transport_codec_encode(uint8_t *out, size_t cap, const struct transport_header *h, const uint8_t *payload,
                              const struct transport_mac_key *key);
/* Sets the sequence number of an encoded DATA datagram; its tag is stale until resealed. */
void transport_codec_set_seq(uint8_t *dgram, uint32_t seq);
/* Rewrites dst_epoch, ack and sack of an encoded datagram and recomputes its tag. */
void transport_codec_reseal(uint8_t *dgram, size_t len, uint64_t dst_epoch, uint32_t ack, uint32_t sack,
                            const struct transport_mac_key *key);
/* Checks and parses a datagram; on OK *payload points at out->payload_len bytes in bytes. */
enum transport_decode_result transport_codec_decode(const uint8_t *bytes, size_t len,
                                                    const struct transport_mac_key *key, struct transport_header *out,
                                                    const uint8_t **payload);

#endif
