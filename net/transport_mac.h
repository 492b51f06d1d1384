/* SPDX-License-Identifier: MIT */
/* The transport's message authentication code (docs/transport-mac.md): hash-then-PRF in the
 * Wegman-Carter / UMAC style. tag = SipHash-2-4-128(prf key, header || payload length (u64 LE)
 * || NH(payload)) with the two-pass NH of net/nh.h; both keys are derived from the cluster
 * secret at start-up. It authenticates; replay and epoch checks are the transport's. */
#ifndef NET_TRANSPORT_MAC_H
#define NET_TRANSPORT_MAC_H

#include <stddef.h>
#include <stdint.h>

#include "net/net_defs.h"
#include "net/nh.h"
#include "net/siphash.h"

#define TRANSPORT_MAC_SECRET_LEN SIPHASH_KEY_LEN
#define TRANSPORT_MAC_TAG_LEN SIPHASH_OUT_LEN
#define TRANSPORT_MAC_NH_WORDS NH_KEY_WORDS(TRANSPORT_MAX_MSG)

struct transport_mac_key {
    uint8_t prf[SIPHASH_KEY_LEN];           /* SipHash key of the final PRF */
    uint64_t nh[TRANSPORT_MAC_NH_WORDS];    /* NH key stream for payloads up to TRANSPORT_MAX_MSG */
};

/* Derives both keys from the 16-byte cluster secret (SipHash-2-4-128 in counter mode). */
void transport_mac_derive_key(struct transport_mac_key *k, const uint8_t secret[TRANSPORT_MAC_SECRET_LEN]);
/* Tag of header (header_len bytes) and payload (payload_len <= TRANSPORT_MAX_MSG bytes). */
void transport_mac_tag(const struct transport_mac_key *k, const uint8_t *header, size_t header_len,
                       const uint8_t *payload, size_t payload_len, uint8_t tag[TRANSPORT_MAC_TAG_LEN]);

#endif
