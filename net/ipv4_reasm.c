/* SPDX-License-Identifier: MIT */
/* IPv4 reassembly (see ipv4_reasm.h). Invariant: a slot's have[] bit u is set iff the
 * payload bytes [8u, 8u+8) (clipped to the datagram end) are stored in its pbuf. */
#include "net/ipv4_reasm.h"

#include "kernel/libc.h"
#include "net/copy.h"

void ipv4_reasm_init(struct ipv4_reasm *r)
{
    memset(r, 0, sizeof *r);
}

static void reasm_slot_free(struct pbuf_pool *pool, struct ipv4_reasm_slot *s)
{
    pbuf_free(pool, s->buf);
    memset(s, 0, sizeof *s);
}

/* The slot of h's datagram, or a new one: a free slot, else the oldest is evicted (lost
 * fragments must not block new datagrams until they time out). NULL without a buffer. */
static struct ipv4_reasm_slot *reasm_slot_get(struct ipv4_reasm *r, struct pbuf_pool *pool,
                                              const struct ipv4_header *h, uint64_t now)
{
    struct ipv4_reasm_slot *free_slot = NULL, *oldest = &r->slots[0];
    for (size_t i = 0; i < IPV4_REASM_SLOTS; i++) {
        struct ipv4_reasm_slot *s = &r->slots[i];
        if (s->buf && s->src == h->src && s->dst == h->dst && s->id == h->id && s->protocol == h->protocol)
            return s;
        if (!s->buf && !free_slot)
            free_slot = s;
        if (s->expires_ns < oldest->expires_ns)
            oldest = s;
    }
    if (!free_slot) {
        r->stats.evicted++;
        reasm_slot_free(pool, oldest);
        free_slot = oldest;
    }
    free_slot->buf = pbuf_alloc(pool);
    if (!free_slot->buf)
        return NULL;
    free_slot->src = h->src;
    free_slot->dst = h->dst;
    free_slot->id = h->id;
    free_slot->protocol = h->protocol;
    free_slot->expires_ns = now + IPV4_REASM_TIMEOUT_NS;
    return free_slot;
}

#define REASM_WORD_BITS 64

static bool reasm_bit(const struct ipv4_reasm_slot *s, size_t u)
{
    return (s->have[u / REASM_WORD_BITS] >> (u % REASM_WORD_BITS)) & 1u;
}

/* Bits [lo, hi) of one bitmap word, 0 <= lo < hi <= 64. */
static uint64_t reasm_mask(size_t lo, size_t hi)
{
    uint64_t width = hi - lo == REASM_WORD_BITS ? ~0ull : (1ull << (hi - lo)) - 1;
    return width << lo;
}

/* Whether any unit in [first, last) is present, or (set) marks them all present; a word
 * at a time: a fragment spans ~185 units, and bit-by-bit loops made reassembly the
 * stack's most expensive step under TCG (callgrind: 4000 instructions per fragment). */
static bool reasm_range(struct ipv4_reasm_slot *s, size_t first, size_t last, bool set)
{
    bool any = false;
    for (size_t u = first; u < last;) {
        size_t w = u / REASM_WORD_BITS, lo = u % REASM_WORD_BITS;
        size_t hi = last - w * REASM_WORD_BITS < REASM_WORD_BITS ? last - w * REASM_WORD_BITS : REASM_WORD_BITS;
        uint64_t m = reasm_mask(lo, hi);
        any |= (s->have[w] & m) != 0;
        if (set)
            s->have[w] |= m;
        u = w * REASM_WORD_BITS + hi;
    }
    return any;
}

enum ipv4_reasm_result ipv4_reasm_add(struct ipv4_reasm *r, struct pbuf_pool *pool, const struct ipv4_header *h,
                                      const uint8_t *payload, size_t len, uint64_t now, struct pbuf **out)
{
    r->stats.fragments++;
    size_t off = h->frag_offset;
    /* Every fragment but the last carries a whole number of units (RFC 791). */
    if ((h->more_fragments && (len == 0 || len % IPV4_FRAG_UNIT != 0)) || off + len > IPV4_REASM_MAX_PAYLOAD) {
        r->stats.bad++;
        return IPV4_REASM_DROPPED;
    }
    struct ipv4_reasm_slot *s = reasm_slot_get(r, pool, h, now);
    if (!s) {
        r->stats.no_slot++;
        return IPV4_REASM_DROPPED;
    }
    size_t end = off + len;
    if (!h->more_fragments) {
        if ((s->total_payload != 0 && s->total_payload != end) || end == 0) {
            r->stats.bad++;
            reasm_slot_free(pool, s);
            return IPV4_REASM_DROPPED;
        }
        s->total_payload = (uint32_t)end;
    }
    if (s->max_end < end)
        s->max_end = (uint32_t)end;
    if (s->total_payload != 0 && s->max_end > s->total_payload) {
        r->stats.bad++;
        reasm_slot_free(pool, s);
        return IPV4_REASM_DROPPED;
    }
    uint8_t *data = s->buf->data + s->buf->head;
    size_t first = off / IPV4_FRAG_UNIT, last = (end + IPV4_FRAG_UNIT - 1) / IPV4_FRAG_UNIT;
    bool overlap = reasm_range(s, first, last, false);
    if (!overlap) {
        /* The usual case: new bytes only, one bulk copy. */
        net_copy(data + off, payload, len);
        reasm_range(s, first, last, true);
        s->units_have += (uint32_t)(last - first);
    }
    for (size_t u = first; overlap && u < last; u++) {
        size_t a = u * IPV4_FRAG_UNIT, b = a + IPV4_FRAG_UNIT < end ? a + IPV4_FRAG_UNIT : end;
        if (reasm_bit(s, u)) {
            if (memcmp(data + a, payload + (a - off), b - a) != 0) {
                r->stats.overlap_mismatch++;
                reasm_slot_free(pool, s);
                return IPV4_REASM_DROPPED;
            }
            continue;
        }
        memcpy(data + a, payload + (a - off), b - a);
        s->have[u / REASM_WORD_BITS] |= 1ull << (u % REASM_WORD_BITS);
        s->units_have++;
    }
    if (s->total_payload == 0 || s->units_have * IPV4_FRAG_UNIT < s->total_payload)
        return IPV4_REASM_PENDING;
    /* units_have counts distinct units, all below the end, so all are present. */
    s->buf->len = (uint16_t)s->total_payload;
    *out = s->buf;
    s->buf = NULL;
    memset(s, 0, sizeof *s);
    r->stats.completed++;
    return IPV4_REASM_COMPLETE;
}

void ipv4_reasm_expire(struct ipv4_reasm *r, struct pbuf_pool *pool, uint64_t now)
{
    for (size_t i = 0; i < IPV4_REASM_SLOTS; i++) {
        struct ipv4_reasm_slot *s = &r->slots[i];
        if (s->buf && now >= s->expires_ns) {
            r->stats.timeouts++;
            reasm_slot_free(pool, s);
        }
    }
}

uint64_t ipv4_reasm_next_deadline(const struct ipv4_reasm *r)
{
    uint64_t best = UINT64_MAX;
    for (size_t i = 0; i < IPV4_REASM_SLOTS; i++)
        if (r->slots[i].buf && r->slots[i].expires_ns < best)
            best = r->slots[i].expires_ns;
    return best;
}
