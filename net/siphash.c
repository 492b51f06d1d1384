/* SPDX-License-Identifier: MIT */
/* SipHash-2-4-128 (see siphash.h): 2 compression rounds per 8-byte word, 4 finalisation
 * rounds per output word. Constants are the paper's initialisation words. */
#include "net/siphash.h"

#include "kernel/hot_loop.h"
#include "net/wire.h"

#define SIPHASH_C0 0x736f6d6570736575ull /* "somepseu" */
#define SIPHASH_C1 0x646f72616e646f6dull /* "dorandom" */
#define SIPHASH_C2 0x6c7967656e657261ull /* "lygenera" */
#define SIPHASH_C3 0x7465646279746573ull /* "tedbytes" */
#define SIPHASH_C_ROUNDS 2
#define SIPHASH_D_ROUNDS 4
#define SIPHASH_128_INIT 0xee   /* v1 tweak selecting 128-bit output */
#define SIPHASH_128_SECOND 0xdd /* v1 tweak before the second output word */

static inline uint64_t sip_rotl(uint64_t x, unsigned b) { return (x << b) | (x >> (64 - b)); }

static void sip_round(struct siphash_state *s)
{
    s->v0 += s->v1;
    s->v1 = sip_rotl(s->v1, 13);
    s->v1 ^= s->v0;
    s->v0 = sip_rotl(s->v0, 32);
    s->v2 += s->v3;
    s->v3 = sip_rotl(s->v3, 16);
    s->v3 ^= s->v2;
    s->v0 += s->v3;
    s->v3 = sip_rotl(s->v3, 21);
    s->v3 ^= s->v0;
    s->v2 += s->v1;
    s->v1 = sip_rotl(s->v1, 17);
    s->v1 ^= s->v2;
    s->v2 = sip_rotl(s->v2, 32);
}

static void sip_compress(struct siphash_state *s, uint64_t m)
{
    s->v3 ^= m;
    for (int i = 0; i < SIPHASH_C_ROUNDS; i++)
        sip_round(s);
    s->v0 ^= m;
}

void siphash_init(struct siphash_state *s, const uint8_t key[SIPHASH_KEY_LEN])
{
    uint64_t k0 = wire_get_le64(key), k1 = wire_get_le64(key + 8);
    s->v0 = k0 ^ SIPHASH_C0;
    s->v1 = (k1 ^ SIPHASH_C1) ^ SIPHASH_128_INIT;
    s->v2 = k0 ^ SIPHASH_C2;
    s->v3 = k1 ^ SIPHASH_C3;
    s->total = 0;
}

HOT_LOOP void siphash_update(struct siphash_state *s, const uint8_t *bytes, size_t len)
{
    size_t have = s->total % 8;
    s->total += len;
    if (have) {
        while (have < 8 && len > 0) {
            s->tail[have++] = *bytes++;
            len--;
        }
        if (have < 8)
            return;
        sip_compress(s, wire_get_le64(s->tail));
    }
    /* The bulk loop works on a local copy: the state would otherwise be reloaded after
     * every byte read (bytes may alias it), which costs a lot under TCG. */
    struct siphash_state v = *s;
    for (; len >= 8; len -= 8, bytes += 8)
        sip_compress(&v, wire_get_le64(bytes));
    s->v0 = v.v0;
    s->v1 = v.v1;
    s->v2 = v.v2;
    s->v3 = v.v3;
    for (size_t i = 0; i < len; i++)
        s->tail[i] = bytes[i];
}

void siphash_final(struct siphash_state *s, uint8_t out[SIPHASH_OUT_LEN])
{
    uint64_t b = s->total << 56;
    for (size_t i = 0; i < s->total % 8; i++)
        b |= (uint64_t)s->tail[i] << (8 * i);
    sip_compress(s, b);
    s->v2 ^= SIPHASH_128_INIT;
    for (int i = 0; i < SIPHASH_D_ROUNDS; i++)
        sip_round(s);
    wire_put_le64(out, s->v0 ^ s->v1 ^ s->v2 ^ s->v3);
    s->v1 ^= SIPHASH_128_SECOND;
    for (int i = 0; i < SIPHASH_D_ROUNDS; i++)
        sip_round(s);
    wire_put_le64(out + 8, s->v0 ^ s->v1 ^ s->v2 ^ s->v3);
}

void siphash_128(const uint8_t key[SIPHASH_KEY_LEN], const uint8_t *bytes, size_t len, uint8_t out[SIPHASH_OUT_LEN])
{
    struct siphash_state s;
    siphash_init(&s, key);
    siphash_update(&s, bytes, len);
    siphash_final(&s, out);
}
