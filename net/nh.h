/* SPDX-License-Identifier: MIT */
/* NH, the universal hash of UMAC (Black, Halevi, Krawczyk, Krovetz, Rogaway, CRYPTO 1999;
 * RFC 4418 section 5.2.2 uses it on 32-bit words), here on 64-bit little-endian words of a
 * message zero-padded to a multiple of NH_BLOCK_LEN: sum over i of (m[2i] + k[2i] mod 2^64) *
 * (m[2i+1] + k[2i+1] mod 2^64) mod 2^128, in NH_PASSES passes whose key streams are shifted
 * by one block (UMAC's Toeplitz construction). Not a MAC alone: its output must go through
 * a PRF together with the message length (net/transport_mac.h, docs/transport-mac.md). */
#ifndef NET_NH_H
#define NET_NH_H

#include <stddef.h>
#include <stdint.h>

#define NH_BLOCK_LEN 16 /* bytes per multiplication: two 64-bit words */
#define NH_BLOCK_WORDS 2
#define NH_PASSES 2     /* collision bound 2^-64 per pass, 2^-128 for both (docs/transport-mac.md) */
/* Key words that hash messages of up to max_len bytes (the last pass reads one block further per pass). */
#define NH_KEY_WORDS(max_len) \
    (((max_len) + NH_BLOCK_LEN - 1) / NH_BLOCK_LEN * NH_BLOCK_WORDS + (NH_PASSES - 1) * NH_BLOCK_WORDS)

struct nh_digest {
    uint64_t lo[NH_PASSES], hi[NH_PASSES]; /* each pass's 128-bit sum */
};

/* Hashes len bytes of msg with the key stream key (at least NH_KEY_WORDS(len) words). */
void nh_hash(const uint64_t *key, const uint8_t *msg, size_t len, struct nh_digest *out);

#endif
