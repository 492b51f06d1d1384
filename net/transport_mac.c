/* SPDX-License-Identifier: MIT */
/* Transport MAC (see transport_mac.h and docs/transport-mac.md). Key derivation: block j of
 * a stream labelled L is SipHash-2-4-128(secret, L (u64 LE) || j (u64 LE)), its two halves
 * read as little-endian words. Distinct labels keep the PRF key and the NH key stream
 * independent. The PRF input has a fixed layout, so no two messages share it. */
#include "net/transport_mac.h"

#include "net/wire.h"

#define TRANSPORT_MAC_LABEL_PRF 0x6672702d6b6d7364ull /* "dsmk-prf" read little-endian */
#define TRANSPORT_MAC_LABEL_NH 0x00686e2d6b6d7364ull  /* "dsmk-nh\0" read little-endian */
#define TRANSPORT_MAC_WORD_LEN 8

_Static_assert(TRANSPORT_MAC_NH_WORDS % NH_BLOCK_WORDS == 0, "the key stream is filled a block at a time");

static void transport_mac_block(const uint8_t secret[TRANSPORT_MAC_SECRET_LEN], uint64_t label, uint64_t j,
                                uint8_t out[SIPHASH_OUT_LEN])
{
    uint8_t in[2 * TRANSPORT_MAC_WORD_LEN];
    wire_put_le64(in, label);
    wire_put_le64(in + TRANSPORT_MAC_WORD_LEN, j);
    siphash_128(secret, in, sizeof in, out);
}

void transport_mac_derive_key(struct transport_mac_key *k, const uint8_t secret[TRANSPORT_MAC_SECRET_LEN])
{
    transport_mac_block(secret, TRANSPORT_MAC_LABEL_PRF, 0, k->prf);
    uint8_t block[SIPHASH_OUT_LEN];
    for (size_t w = 0; w < TRANSPORT_MAC_NH_WORDS; w += NH_BLOCK_WORDS) {
        transport_mac_block(secret, TRANSPORT_MAC_LABEL_NH, w / NH_BLOCK_WORDS, block);
        k->nh[w] = wire_get_le64(block);
        k->nh[w + 1] = wire_get_le64(block + TRANSPORT_MAC_WORD_LEN);
    }
}

void transport_mac_tag(const struct transport_mac_key *k, const uint8_t *header, size_t header_len,
                       const uint8_t *payload, size_t payload_len, uint8_t tag[TRANSPORT_MAC_TAG_LEN])
{
    struct nh_digest d;
    nh_hash(k->nh, payload, payload_len, &d);
    uint8_t tail[TRANSPORT_MAC_WORD_LEN * (1 + 2 * NH_PASSES)];
    uint8_t *p = tail;
    wire_put_le64(p, payload_len);
    p += TRANSPORT_MAC_WORD_LEN;
    for (size_t i = 0; i < NH_PASSES; i++, p += 2 * TRANSPORT_MAC_WORD_LEN) {
        wire_put_le64(p, d.lo[i]);
        wire_put_le64(p + TRANSPORT_MAC_WORD_LEN, d.hi[i]);
    }
    struct siphash_state s;
    siphash_init(&s, k->prf);
    siphash_update(&s, header, header_len);
    siphash_update(&s, tail, sizeof tail);
    siphash_final(&s, tag);
}
