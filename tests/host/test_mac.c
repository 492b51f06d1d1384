/* SPDX-License-Identifier: MIT */
/* Host tests of the transport MAC (net/nh.h, net/transport_mac.h): known answers derived
 * with the independent Python reference tests/host/mac_reference.py, and single-bit flips
 * anywhere in header, payload or length changing the tag. */
#include <stdlib.h>
#include <string.h>

#include "net/nh.h"
#include "net/transport_codec.h"
#include "net/transport_mac.h"
#include "tests/host/check.h"

#define MAC_TEST_KEY_WORDS 64

static const uint8_t mac_secret[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

static void mac_fill(uint8_t *b, size_t n, unsigned mul, unsigned add)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * mul + add);
}

static struct transport_mac_key *mac_key(void)
{
    static struct transport_mac_key k;
    transport_mac_derive_key(&k, mac_secret);
    return &k;
}

TEST(mac_key_derivation_known_answer)
{
    static const uint8_t prf[16] = { 0x82, 0xdb, 0x04, 0x4e, 0x36, 0x45, 0x2d, 0xb6,
                                     0x92, 0x5d, 0xb1, 0x6d, 0xa5, 0x2c, 0x23, 0xde };
    struct transport_mac_key *k = mac_key();
    CHECK(memcmp(k->prf, prf, sizeof prf) == 0);
    CHECK_EQ(k->nh[0], 0x6457e93121a8142bull);
    CHECK_EQ(k->nh[1], 0xa380e4d99458e04cull);
    CHECK_EQ(k->nh[2], 0xfb5f723f585eb00eull);
    CHECK_EQ(k->nh[3], 0x7e13e49ed2dfac7dull);
}

TEST(mac_nh_known_answers)
{
    static const struct {
        size_t len;
        uint64_t words[4]; /* pass 0 lo, hi, pass 1 lo, hi */
    } vectors[] = {
        { 0, { 0, 0, 0, 0 } },
        { 1, { 0xc01f647e5bec1ddcull, 0x000296cdb867ed59ull, 0x656dd9413f6d64c0ull, 0x000f88d2526f901aull } },
        { 15, { 0x3c03addd1bf4f2a2ull, 0x008e6e1d10be9c1eull, 0x58ce4e8a72f90db0ull, 0x011301bc51d149c9ull } },
        { 16, { 0x5403addd1bf4f2a2ull, 0x170c5b79dcfa4738ull, 0x18ce4e8a72f90db0ull, 0x1886b1a87a35eaa5ull } },
        { 17, { 0xb72afc4f480ab9a2ull, 0x171be44c2f69d754ull, 0x054fdc9c807975bcull, 0x18ad87b6484cd2eaull } },
        { 100, { 0xaa75c0e5c0e8ad1aull, 0xa332018b7541b9beull, 0x19c8ac74ccb87e7aull, 0x7804d6f2ca075b55ull } },
    };
    uint64_t key[MAC_TEST_KEY_WORDS];
    for (size_t i = 0; i < MAC_TEST_KEY_WORDS; i++)
        key[i] = 0x0123456789abcdefull * (i + 1);
    uint8_t msg[100];
    mac_fill(msg, sizeof msg, 7, 3);
    for (size_t v = 0; v < sizeof vectors / sizeof vectors[0]; v++) {
        struct nh_digest d;
        nh_hash(key, msg, vectors[v].len, &d);
        CHECK_EQ(d.lo[0], vectors[v].words[0]);
        CHECK_EQ(d.hi[0], vectors[v].words[1]);
        CHECK_EQ(d.lo[1], vectors[v].words[2]);
        CHECK_EQ(d.hi[1], vectors[v].words[3]);
    }
}

TEST(mac_tag_known_answers)
{
    static const struct {
        size_t len;
        uint8_t tag[16];
    } vectors[] = {
        { 0, { 0xf5, 0x95, 0x54, 0xc5, 0x4b, 0x54, 0x9f, 0xef, 0x68, 0x9a, 0x94, 0x96, 0xa4, 0x93, 0x50, 0x3b } },
        { 64, { 0xaf, 0xcc, 0xb2, 0xe7, 0xae, 0xdd, 0x28, 0xe7, 0xd0, 0x5c, 0x8a, 0x2b, 0x87, 0x51, 0xe0, 0xc9 } },
        { 4095, { 0x7a, 0x30, 0x40, 0xbe, 0x99, 0xe8, 0xc2, 0xa9, 0x24, 0x9f, 0xff, 0x50, 0xc0, 0xf0, 0x65, 0xc3 } },
        { 4096, { 0x5c, 0x34, 0xec, 0x0d, 0xed, 0x4d, 0xf9, 0x90, 0x2a, 0x32, 0xc8, 0xa3, 0x0c, 0xde, 0x0b, 0xd6 } },
    };
    uint8_t header[TRANSPORT_HEADER_LEN];
    static uint8_t payload[4096];
    mac_fill(header, sizeof header, 5, 1);
    mac_fill(payload, sizeof payload, 31, 7);
    struct transport_mac_key *k = mac_key();
    for (size_t v = 0; v < sizeof vectors / sizeof vectors[0]; v++) {
        uint8_t tag[TRANSPORT_MAC_TAG_LEN];
        transport_mac_tag(k, header, sizeof header, payload, vectors[v].len, tag);
        CHECK(memcmp(tag, vectors[v].tag, sizeof tag) == 0);
    }
}

/* Every single-bit flip of header or payload, and every shorter or longer length
 * (zero padding must not make "m" and "m || 0" collide), changes the tag. */
TEST(mac_single_bit_flips_and_lengths_change_the_tag)
{
    enum { LEN = 100 };
    uint8_t header[TRANSPORT_HEADER_LEN], payload[LEN + 16] = { 0 };
    mac_fill(header, sizeof header, 3, 9);
    mac_fill(payload, LEN, 11, 1);
    struct transport_mac_key *k = mac_key();
    uint8_t base[16], t[16];
    transport_mac_tag(k, header, sizeof header, payload, LEN, base);
    for (size_t bit = 0; bit < sizeof header * 8; bit++) {
        header[bit / 8] ^= (uint8_t)(1u << bit % 8);
        transport_mac_tag(k, header, sizeof header, payload, LEN, t);
        CHECK(memcmp(t, base, sizeof t) != 0);
        header[bit / 8] ^= (uint8_t)(1u << bit % 8);
    }
    for (size_t bit = 0; bit < LEN * 8; bit++) {
        payload[bit / 8] ^= (uint8_t)(1u << bit % 8);
        transport_mac_tag(k, header, sizeof header, payload, LEN, t);
        CHECK(memcmp(t, base, sizeof t) != 0);
        payload[bit / 8] ^= (uint8_t)(1u << bit % 8);
    }
    for (size_t len = 0; len <= LEN + 16; len++) {
        if (len == LEN)
            continue;
        transport_mac_tag(k, header, sizeof header, payload, len, t);
        CHECK(memcmp(t, base, sizeof t) != 0);
    }
    /* And the same input gives the same tag again. */
    transport_mac_tag(k, header, sizeof header, payload, LEN, t);
    CHECK(memcmp(t, base, sizeof t) == 0);
}

/* The NH key stream of another secret gives another tag (the derivation uses the secret). */
TEST(mac_other_secret_other_tag)
{
    static struct transport_mac_key other;
    uint8_t secret[16];
    memcpy(secret, mac_secret, sizeof secret);
    secret[15] ^= 0x80;
    transport_mac_derive_key(&other, secret);
    uint8_t header[TRANSPORT_HEADER_LEN] = { 0 }, payload[64] = { 0 }, a[16], b[16];
    transport_mac_tag(mac_key(), header, sizeof header, payload, sizeof payload, a);
    transport_mac_tag(&other, header, sizeof header, payload, sizeof payload, b);
    CHECK(memcmp(a, b, sizeof a) != 0);
    CHECK(memcmp(mac_key()->nh, other.nh, sizeof other.nh) != 0);
}
