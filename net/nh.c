/* SPDX-License-Identifier: MIT */
/* NH over 64-bit words, two Toeplitz passes in one sweep over the message (see nh.h). Pass
 * p uses key words from p * NH_BLOCK_WORDS on, so each message word is loaded once. The
 * products are exact 64x64->128 multiplications; the sums wrap mod 2^128 by design. */
#include "net/nh.h"

#include "kernel/hot_loop.h"
#include "kernel/libc.h"
#include "net/wire.h"

_Static_assert(NH_PASSES == 2, "nh_hash sweeps exactly two passes");

static inline unsigned __int128 nh_block(uint64_t m0, uint64_t m1, const uint64_t *k)
{
    return (unsigned __int128)(m0 + k[0]) * (m1 + k[1]);
}

HOT_LOOP void nh_hash(const uint64_t *key, const uint8_t *msg, size_t len, struct nh_digest *out)
{
    unsigned __int128 sum0 = 0, sum1 = 0;
    const uint64_t *k = key;
    size_t blocks = len / NH_BLOCK_LEN;
    for (size_t i = 0; i < blocks; i++, msg += NH_BLOCK_LEN, k += NH_BLOCK_WORDS) {
        uint64_t m0 = wire_get_le64(msg), m1 = wire_get_le64(msg + 8);
        sum0 += nh_block(m0, m1, k);
        sum1 += nh_block(m0, m1, k + NH_BLOCK_WORDS);
    }
    size_t rest = len % NH_BLOCK_LEN;
    if (rest) {
        uint8_t last[NH_BLOCK_LEN] = { 0 }; /* zero padding; the length is bound by the PRF */
        memcpy(last, msg, rest);
        uint64_t m0 = wire_get_le64(last), m1 = wire_get_le64(last + 8);
        sum0 += nh_block(m0, m1, k);
        sum1 += nh_block(m0, m1, k + NH_BLOCK_WORDS);
    }
    out->lo[0] = (uint64_t)sum0;
    out->hi[0] = (uint64_t)(sum0 >> 64);
    out->lo[1] = (uint64_t)sum1;
    out->hi[1] = (uint64_t)(sum1 >> 64);
}
