/* SPDX-License-Identifier: MIT */
/* Host tests of the network codecs: SipHash-2-4-128 reference vectors, the Internet
 * checksum, Ethernet/ARP/IPv4/UDP/ICMP/transport round trips and malformed inputs, and
 * IPv4 reassembly at MTU 1500 (in order, reversed, overlapping, bogus, timed out). */
#include <stdlib.h>
#include <string.h>

#include "net/arp.h"
#include "net/checksum.h"
#include "net/eth.h"
#include "net/icmp.h"
#include "net/ipv4.h"
#include "net/ipv4_reasm.h"
#include "net/siphash.h"
#include "net/transport_codec.h"
#include "net/udp.h"
#include "tests/host/check.h"

/* SipHash reference vectors (key 00..0f, message 00..len-1), 128-bit output. */
TEST(net_siphash_reference_vectors)
{
    static const uint8_t expect0[16] = { 0xa3, 0x81, 0x7f, 0x04, 0xba, 0x25, 0xa8, 0xe6,
                                         0x6d, 0xf6, 0x72, 0x14, 0xc7, 0x55, 0x02, 0x93 };
    static const uint8_t expect1[16] = { 0xda, 0x87, 0xc1, 0xd8, 0x6b, 0x99, 0xaf, 0x44,
                                         0x34, 0x76, 0x59, 0x11, 0x9b, 0x22, 0xfc, 0x45 };
    uint8_t key[16], msg[64], out[16];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 64; i++)
        msg[i] = (uint8_t)i;
    siphash_128(key, msg, 0, out);
    CHECK(memcmp(out, expect0, 16) == 0);
    siphash_128(key, msg, 1, out);
    CHECK(memcmp(out, expect1, 16) == 0);
}

TEST(net_siphash_incremental_matches_one_shot)
{
    uint8_t key[16] = { 9, 8, 7 }, msg[300], a[16], b[16];
    for (int i = 0; i < 300; i++)
        msg[i] = (uint8_t)(i * 7);
    for (size_t len = 0; len < 300; len += 13) {
        siphash_128(key, msg, len, a);
        struct siphash_state s;
        siphash_init(&s, key);
        for (size_t off = 0; off < len; off += 5)
            siphash_update(&s, msg + off, len - off < 5 ? len - off : 5);
        siphash_final(&s, b);
        CHECK(memcmp(a, b, 16) == 0);
    }
}

TEST(net_checksum_rfc1071_example)
{
    /* RFC 1071 section 3 example: words 0001 f203 f4f5 f6f7 sum to ddf2. */
    static const uint8_t bytes[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
    CHECK_EQ(checksum_finish(checksum_add(0, bytes, sizeof bytes)), (uint16_t)~0xddf2);
    /* Odd length pads with a zero byte; split sums equal the whole. */
    uint32_t s = checksum_add(checksum_add(0, bytes, 4), bytes + 4, 3);
    CHECK_EQ(checksum_finish(s), checksum_finish(checksum_add(0, bytes, 7)));
}

TEST(net_eth_arp_round_trip_and_malformed)
{
    uint8_t f[ETH_HEADER_LEN + ARP_PACKET_LEN];
    struct eth_header eh = { .dst = { 1, 2, 3, 4, 5, 6 }, .src = { 7, 8, 9, 10, 11, 12 }, .type = ETH_TYPE_ARP };
    eth_encode(f, &eh);
    struct arp_packet p = { .op = ARP_OP_REQUEST, .sender_mac = { 7, 8, 9, 10, 11, 12 }, .sender_ip = 0x0a4d000b,
                            .target_ip = 0x0a4d000a };
    arp_encode(f + ETH_HEADER_LEN, &p);
    struct eth_header e2;
    CHECK(eth_decode(f, sizeof f, &e2));
    CHECK_EQ(e2.type, ETH_TYPE_ARP);
    CHECK(memcmp(e2.src, eh.src, 6) == 0);
    CHECK(!eth_decode(f, ETH_HEADER_LEN - 1, &e2));
    struct arp_packet p2;
    CHECK(arp_decode(f + ETH_HEADER_LEN, ARP_PACKET_LEN, &p2));
    CHECK_EQ(p2.sender_ip, 0x0a4d000b);
    CHECK_EQ(p2.target_ip, 0x0a4d000a);
    CHECK(!arp_decode(f + ETH_HEADER_LEN, ARP_PACKET_LEN - 1, &p2));
    f[ETH_HEADER_LEN + 5] = 16; /* plen 16 (IPv6): refused */
    CHECK(!arp_decode(f + ETH_HEADER_LEN, ARP_PACKET_LEN, &p2));
    /* An 802.3 length field instead of a type is refused. */
    f[12] = 0x00;
    f[13] = 0x40;
    CHECK(!eth_decode(f, sizeof f, &e2));
}

TEST(net_arp_cache_timeouts)
{
    struct arp_cache c;
    arp_cache_init(&c);
    uint8_t mac[6] = { 1, 2, 3, 4, 5, 6 }, out[6];
    CHECK(!arp_cache_lookup(&c, 42, out, 0));
    CHECK(arp_cache_should_request(&c, 42, 100));
    CHECK(!arp_cache_should_request(&c, 42, 200)); /* rate limited */
    CHECK(arp_cache_should_request(&c, 42, 100 + ARP_REQUEST_INTERVAL_NS));
    arp_cache_update(&c, 42, mac, 1000);
    CHECK(arp_cache_lookup(&c, 42, out, 2000));
    CHECK(memcmp(out, mac, 6) == 0);
    CHECK(!arp_cache_needs_refresh(&c, 42, 2000));
    uint64_t soon = 1000 + ARP_ENTRY_TTL_NS - ARP_REFRESH_BEFORE_NS;
    CHECK(arp_cache_needs_refresh(&c, 42, soon));
    CHECK(!arp_cache_needs_refresh(&c, 42, soon + 1)); /* rate limited */
    CHECK(arp_cache_lookup(&c, 42, out, soon + 1));     /* still usable meanwhile */
    arp_cache_update(&c, 42, mac, soon + 2);           /* the answer extends it */
    CHECK(arp_cache_lookup(&c, 42, out, 1000 + ARP_ENTRY_TTL_NS));
    CHECK(!arp_cache_lookup(&c, 42, out, soon + 2 + ARP_ENTRY_TTL_NS));
    for (uint32_t ip = 1; ip <= 2 * ARP_CACHE_SIZE; ip++)
        arp_cache_update(&c, ip, mac, ip);
    CHECK(arp_cache_lookup(&c, 2 * ARP_CACHE_SIZE, out, 3 * ARP_CACHE_SIZE));
}

TEST(net_ipv4_round_trip_and_malformed)
{
    uint8_t b[60] = { 0 };
    struct ipv4_header h = { .total_len = 28, .id = 0x1234, .more_fragments = true, .frag_offset = 1480,
                             .ttl = 64, .protocol = IPV4_PROTO_UDP, .src = 0x0a4d000a, .dst = 0x0a4d000b };
    ipv4_encode(b, &h);
    struct ipv4_header o;
    CHECK_EQ(ipv4_decode(b, 28, &o), IPV4_DECODE_OK);
    CHECK_EQ(o.frag_offset, 1480);
    CHECK(o.more_fragments);
    CHECK_EQ(o.src, 0x0a4d000a);
    CHECK_EQ(o.header_len, 20);
    CHECK_EQ(ipv4_decode(b, 27, &o), IPV4_DECODE_MALFORMED); /* total_len beyond the frame */
    CHECK_EQ(ipv4_decode(b, 19, &o), IPV4_DECODE_MALFORMED);
    b[8] ^= 1; /* TTL changed without fixing the checksum */
    CHECK_EQ(ipv4_decode(b, 28, &o), IPV4_DECODE_CHECKSUM);
    b[8] ^= 1;
    b[0] = 0x44; /* IHL 4 */
    CHECK_EQ(ipv4_decode(b, 28, &o), IPV4_DECODE_MALFORMED);
    b[0] = 0x65; /* version 6 */
    CHECK_EQ(ipv4_decode(b, 28, &o), IPV4_DECODE_MALFORMED);
}

TEST(net_udp_and_icmp_round_trip)
{
    uint8_t d[8 + 5];
    memcpy(d + 8, "hello", 5);
    udp_encode(d, 7411, 7411, d + 8, 5, 1, 2);
    struct udp_header u;
    CHECK_EQ(udp_decode(d, sizeof d, 1, 2, &u), UDP_DECODE_OK);
    CHECK_EQ(u.length, 13);
    CHECK_EQ(udp_decode(d, sizeof d, 1, 3, &u), UDP_DECODE_CHECKSUM); /* wrong pseudo header */
    CHECK_EQ(udp_decode(d, 12, 1, 2, &u), UDP_DECODE_MALFORMED);     /* truncated */
    CHECK_EQ(udp_decode(d, 7, 1, 2, &u), UDP_DECODE_MALFORMED);
    /* The transport's header: checksum 0 (not computed), accepted under any addresses. */
    udp_encode_unchecked(d, 7411, 7412, 5);
    CHECK_EQ(d[6] | d[7], 0);
    CHECK_EQ(udp_decode(d, sizeof d, 1, 3, &u), UDP_DECODE_OK);
    CHECK_EQ(u.dst_port, 7412);
    CHECK_EQ(u.length, 13);
    uint8_t icmp[12] = { ICMP_TYPE_ECHO_REQUEST, 0, 0, 0, 0x12, 0x34, 0, 1, 'p', 'i', 'n', 'g' };
    uint16_t c = checksum_finish(checksum_add(0, icmp, sizeof icmp));
    icmp[2] = (uint8_t)(c >> 8);
    icmp[3] = (uint8_t)c;
    CHECK_EQ(icmp_decode(icmp, sizeof icmp), ICMP_DECODE_ECHO_REQUEST);
    icmp_make_echo_reply(icmp, sizeof icmp);
    CHECK_EQ(icmp_decode(icmp, sizeof icmp), ICMP_DECODE_OTHER);
    CHECK_EQ(icmp[0], ICMP_TYPE_ECHO_REPLY);
    CHECK_EQ(icmp_decode(icmp, 7), ICMP_DECODE_MALFORMED);
    icmp[9] ^= 0xff;
    CHECK_EQ(icmp_decode(icmp, sizeof icmp), ICMP_DECODE_MALFORMED);
}

TEST(net_transport_codec_round_trip_and_rejects)
{
    static const uint8_t secret[16] = { 1, 2, 3 }, other_secret[16] = { 1, 2, 4 };
    static struct transport_mac_key key_storage, other_storage;
    transport_mac_derive_key(&key_storage, secret);
    transport_mac_derive_key(&other_storage, other_secret);
    const struct transport_mac_key *key = &key_storage, *other = &other_storage;
    static uint8_t buf[TRANSPORT_DGRAM_MAX + 16], payload[TRANSPORT_MAX_MSG];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)i;
    struct transport_header h = { .kind = TRANSPORT_KIND_DATA, .type = 20, .flags = TRANSPORT_FLAG_REQUEST, .src = 1,
                                  .dst = 2, .src_epoch = 77, .dst_epoch = 88, .seq = 5, .ack = 3, .sack = 0x5,
                                  .payload_len = TRANSPORT_MAX_MSG, .request_id = 99 };
    size_t len = transport_codec_encode(buf, sizeof buf, &h, payload, key);
    CHECK_EQ(len, TRANSPORT_DGRAM_MAX);
    struct transport_header o;
    const uint8_t *p;
    CHECK_EQ(transport_codec_decode(buf, len, key, &o, &p), TRANSPORT_DECODE_OK);
    CHECK_EQ(o.seq, 5);
    CHECK_EQ(o.request_id, 99);
    CHECK_EQ(o.src_epoch, 77);
    CHECK(memcmp(p, payload, TRANSPORT_MAX_MSG) == 0);
    CHECK_EQ(transport_codec_decode(buf, len, other, &o, &p), TRANSPORT_DECODE_BAD_MAC);
    CHECK_EQ(transport_codec_decode(buf, len - 1, key, &o, &p), TRANSPORT_DECODE_MALFORMED);
    CHECK_EQ(transport_codec_decode(buf, 10, key, &o, &p), TRANSPORT_DECODE_MALFORMED);
    transport_codec_reseal(buf, len, 1234, 4, 0, key);
    CHECK_EQ(transport_codec_decode(buf, len, key, &o, &p), TRANSPORT_DECODE_OK);
    CHECK_EQ(o.ack, 4);
    CHECK_EQ(o.dst_epoch, 1234);
    buf[100] ^= 1; /* one payload bit flipped */
    CHECK_EQ(transport_codec_decode(buf, len, key, &o, &p), TRANSPORT_DECODE_BAD_MAC);
    CHECK_EQ(transport_codec_encode(buf, 20, &h, payload, key), 0);
    /* Field rules apply even under a valid tag: an ACK with payload is malformed. */
    h.kind = TRANSPORT_KIND_ACK;
    h.seq = 0;
    h.payload_len = 4;
    len = transport_codec_encode(buf, sizeof buf, &h, payload, key);
    CHECK_EQ(transport_codec_decode(buf, len, key, &o, &p), TRANSPORT_DECODE_MALFORMED);
}

/* Fragments payload (len bytes) at MTU 1500 and feeds them in the given order. */
static enum ipv4_reasm_result reasm_feed(struct ipv4_reasm *r, struct pbuf_pool *pool, const uint8_t *payload,
                                         size_t len, const int *order, int count, struct pbuf **out)
{
    enum ipv4_reasm_result res = IPV4_REASM_DROPPED;
    size_t chunk = 1480;
    for (int k = 0; k < count; k++) {
        size_t off = (size_t)order[k] * chunk;
        size_t n = len - off < chunk ? len - off : chunk;
        struct ipv4_header h = { .id = 7, .protocol = IPV4_PROTO_UDP, .src = 1, .dst = 2,
                                 .more_fragments = off + n < len, .frag_offset = (uint16_t)off };
        res = ipv4_reasm_add(r, pool, &h, payload + off, n, 1000, out);
    }
    return res;
}

TEST(net_ipv4_reassembly_at_1500)
{
    static struct pbuf_pool pool;
    static struct ipv4_reasm r;
    pbuf_pool_init(&pool);
    ipv4_reasm_init(&r);
    static uint8_t payload[8300];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 31);
    static const int in_order[] = { 0, 1, 2, 3, 4, 5 }, reversed[] = { 5, 4, 3, 2, 1, 0 },
                     dup[] = { 0, 2, 2, 1, 3, 4, 0, 5 };
    struct pbuf *out = NULL;
    CHECK_EQ(reasm_feed(&r, &pool, payload, sizeof payload, in_order, 6, &out), IPV4_REASM_COMPLETE);
    CHECK(out && out->len == sizeof payload && memcmp(pbuf_bytes(out), payload, sizeof payload) == 0);
    pbuf_free(&pool, out);
    CHECK_EQ(reasm_feed(&r, &pool, payload, sizeof payload, reversed, 6, &out), IPV4_REASM_COMPLETE);
    CHECK(memcmp(pbuf_bytes(out), payload, sizeof payload) == 0);
    pbuf_free(&pool, out);
    CHECK_EQ(reasm_feed(&r, &pool, payload, sizeof payload, dup, 8, &out), IPV4_REASM_COMPLETE);
    pbuf_free(&pool, out);
    /* Missing a fragment: pending, then expired. */
    CHECK_EQ(reasm_feed(&r, &pool, payload, sizeof payload, in_order, 5, &out), IPV4_REASM_PENDING);
    CHECK_EQ(pool.free_count, PBUF_POOL_COUNT - 1);
    ipv4_reasm_expire(&r, &pool, 1000 + IPV4_REASM_TIMEOUT_NS);
    CHECK_EQ(r.stats.timeouts, 1);
    CHECK_EQ(pool.free_count, PBUF_POOL_COUNT);
    /* Overlap with different bytes drops the datagram. */
    struct ipv4_header h = { .id = 9, .protocol = 17, .src = 1, .dst = 2, .more_fragments = true };
    CHECK_EQ(ipv4_reasm_add(&r, &pool, &h, payload, 1480, 0, &out), IPV4_REASM_PENDING);
    CHECK_EQ(ipv4_reasm_add(&r, &pool, &h, payload + 8, 1480, 0, &out), IPV4_REASM_DROPPED);
    CHECK_EQ(r.stats.overlap_mismatch, 1);
    /* Non-multiple-of-8 middle fragment, oversize datagram. */
    CHECK_EQ(ipv4_reasm_add(&r, &pool, &h, payload, 13, 0, &out), IPV4_REASM_DROPPED);
    h.frag_offset = 8800;
    CHECK_EQ(ipv4_reasm_add(&r, &pool, &h, payload, 800, 0, &out), IPV4_REASM_DROPPED);
    /* A last fragment ending before data already stored is inconsistent. */
    h.frag_offset = 1480;
    CHECK_EQ(ipv4_reasm_add(&r, &pool, &h, payload, 1480, 0, &out), IPV4_REASM_PENDING);
    h.frag_offset = 0;
    h.more_fragments = false;
    CHECK_EQ(ipv4_reasm_add(&r, &pool, &h, payload, 16, 0, &out), IPV4_REASM_DROPPED);
    CHECK_EQ(pool.free_count, PBUF_POOL_COUNT);
    /* More incomplete datagrams than slots: the oldest makes room, the newest completes. */
    ipv4_reasm_init(&r);
    for (uint16_t id = 100; id < 100 + IPV4_REASM_SLOTS + 3; id++) {
        struct ipv4_header f = { .id = id, .protocol = 17, .src = 1, .dst = 2, .more_fragments = true };
        CHECK_EQ(ipv4_reasm_add(&r, &pool, &f, payload, 1480, id, &out), IPV4_REASM_PENDING);
    }
    CHECK_EQ(r.stats.evicted, 3);
    struct ipv4_header last = { .id = 100 + IPV4_REASM_SLOTS + 2, .protocol = 17, .src = 1, .dst = 2,
                                .frag_offset = 1480 };
    CHECK_EQ(ipv4_reasm_add(&r, &pool, &last, payload + 1480, 100, 500, &out), IPV4_REASM_COMPLETE);
    pbuf_free(&pool, out);
    ipv4_reasm_expire(&r, &pool, UINT64_MAX);
    CHECK_EQ(pool.free_count, PBUF_POOL_COUNT);
}

/* Fragments of random sizes (whole 8-byte units, so they start and end anywhere in the
 * 64-unit bitmap words), random order, with re-sent and overlapping (same bytes) pieces:
 * the datagram completes exactly when a per-unit model says every unit has arrived. */
TEST(net_ipv4_reassembly_random_overlapping_fragments)
{
    static struct pbuf_pool pool;
    static struct ipv4_reasm r;
    pbuf_pool_init(&pool);
    static uint8_t payload[IPV4_REASM_MAX_PAYLOAD];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 131 + 17);
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 200; round++) {
        ipv4_reasm_init(&r);
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        size_t total = 8 + (size_t)(rng >> 33) % (sizeof payload - 8);
        size_t units = (total + IPV4_FRAG_UNIT - 1) / IPV4_FRAG_UNIT;
        static bool have[IPV4_REASM_UNITS];
        memset(have, 0, sizeof have);
        size_t have_count = 0;
        enum ipv4_reasm_result res = IPV4_REASM_PENDING;
        struct pbuf *out = NULL;
        for (int piece = 0; piece < 100000 && res == IPV4_REASM_PENDING; piece++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            size_t first = (size_t)(rng >> 33) % units;
            size_t count = 1 + (size_t)(rng >> 13) % 200;
            if (first + count > units)
                count = units - first;
            size_t off = first * IPV4_FRAG_UNIT, end = (first + count) * IPV4_FRAG_UNIT;
            if (end > total)
                end = total;
            struct ipv4_header h = { .id = (uint16_t)round, .protocol = IPV4_PROTO_UDP, .src = 1, .dst = 2,
                                     .more_fragments = end < total, .frag_offset = (uint16_t)off };
            res = ipv4_reasm_add(&r, &pool, &h, payload + off, end - off, 1000, &out);
            for (size_t u = first; u < first + count; u++)
                if (!have[u]) {
                    have[u] = true;
                    have_count++;
                }
            CHECK_EQ(res, have_count == units ? IPV4_REASM_COMPLETE : IPV4_REASM_PENDING);
        }
        CHECK(out && out->len == total && memcmp(pbuf_bytes(out), payload, total) == 0);
        if (out)
            pbuf_free(&pool, out);
        CHECK_EQ(pool.free_count, PBUF_POOL_COUNT);
    }
    CHECK_EQ(r.stats.overlap_mismatch, 0);
}

TEST(net_pbuf_bounds)
{
    static struct pbuf_pool pool;
    pbuf_pool_init(&pool);
    struct pbuf *b = pbuf_alloc(&pool);
    CHECK(pbuf_put(b, 100) != NULL);
    CHECK(pbuf_push(b, PBUF_HEADROOM) != NULL);
    CHECK(pbuf_push(b, 1) == NULL);
    CHECK(pbuf_pull(b, PBUF_HEADROOM + 101) == NULL);
    CHECK(pbuf_pull(b, PBUF_HEADROOM) != NULL);
    CHECK(pbuf_put(b, PBUF_CAPACITY) == NULL);
    CHECK_EQ(b->len, 100);
    struct pbuf *all[PBUF_POOL_COUNT];
    int got = 0;
    while ((all[got] = pbuf_alloc(&pool)) != NULL)
        got++;
    CHECK_EQ(got, PBUF_POOL_COUNT - 1);
    CHECK_EQ(pool.alloc_failures, 1);
    for (int i = 0; i < got; i++)
        pbuf_free(&pool, all[i]);
    pbuf_free(&pool, b);
    CHECK_EQ(pool.free_count, PBUF_POOL_COUNT);
}

/* Reference: 16-bit words one at a time, as RFC 1071 section 4.1 writes it. */
static uint16_t checksum_reference(const uint8_t *b, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i += 2)
        sum += (uint32_t)(b[i] << 8 | (i + 1 < len ? b[i + 1] : 0));
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

TEST(net_checksum_matches_reference_at_every_length_and_alignment)
{
    static uint8_t data[9100];
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < sizeof data; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        data[i] = (uint8_t)(i % 97 == 0 ? 0xff : x);
    }
    int bad = 0;
    for (size_t off = 0; off < 4; off++)
        for (size_t len = 0; len < 300; len++)
            bad += checksum_finish(checksum_add(0, data + off, len)) != checksum_reference(data + off, len);
    bad += checksum_finish(checksum_add(0, data + 1, 9000)) != checksum_reference(data + 1, 9000);
    memset(data, 0xff, sizeof data);
    bad += checksum_finish(checksum_add(0, data, sizeof data)) != checksum_reference(data, sizeof data);
    CHECK_EQ(bad, 0);
}
