/* SPDX-License-Identifier: MIT */
/* SipHash-2-4 with 128-bit output: J.-P. Aumasson, D. J. Bernstein, "SipHash: a fast
 * short-input PRF", INDOCRYPT 2012, and the reference's 128-bit variant (v1 ^= 0xee,
 * then 0xdd for the second half). The keyed MAC of every transport message. */
#ifndef NET_SIPHASH_H
#define NET_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_LEN 16
#define SIPHASH_OUT_LEN 16

/* Incremental state: feed bytes with siphash_update, then siphash_final. */
struct siphash_state {
    uint64_t v0, v1, v2, v3;
    uint64_t total;      /* bytes fed so far */
    uint8_t tail[8];     /* pending bytes, total % 8 of them */
};

/* Starts a 128-bit-output SipHash-2-4 with the 16-byte key. */
void siphash_init(struct siphash_state *s, const uint8_t key[SIPHASH_KEY_LEN]);
/* Absorbs len bytes. */
void siphash_update(struct siphash_state *s, const uint8_t *bytes, size_t len);
/* Writes the 16-byte tag (first word then second, each little-endian, as the reference). */
void siphash_final(struct siphash_state *s, uint8_t out[SIPHASH_OUT_LEN]);
/* One-shot: tag of bytes under key. */
void siphash_128(const uint8_t key[SIPHASH_KEY_LEN], const uint8_t *bytes, size_t len, uint8_t out[SIPHASH_OUT_LEN]);

#endif
