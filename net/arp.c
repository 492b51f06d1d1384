/* SPDX-License-Identifier: MIT */
/* ARP codec and cache (RFC 826). The cache is a small array searched linearly: the
 * cluster has at most NET_MAX_NODES peers plus the host side of the bridge. */
#include "net/arp.h"

#include "kernel/libc.h"
#include "net/eth.h"
#include "net/wire.h"

#define ARP_HLEN_ETHERNET 6
#define ARP_PLEN_IPV4 4

bool arp_decode(const uint8_t *b, size_t len, struct arp_packet *out)
{
    if (len < ARP_PACKET_LEN)
        return false;
    if (wire_get_be16(b) != ARP_HTYPE_ETHERNET || wire_get_be16(b + 2) != ETH_TYPE_IPV4 ||
        b[4] != ARP_HLEN_ETHERNET || b[5] != ARP_PLEN_IPV4)
        return false;
    out->op = wire_get_be16(b + 6);
    if (out->op != ARP_OP_REQUEST && out->op != ARP_OP_REPLY)
        return false;
    memcpy(out->sender_mac, b + 8, NET_MAC_LEN);
    out->sender_ip = wire_get_be32(b + 14);
    memcpy(out->target_mac, b + 18, NET_MAC_LEN);
    out->target_ip = wire_get_be32(b + 24);
    return true;
}

void arp_encode(uint8_t *b, const struct arp_packet *p)
{
    wire_put_be16(b, ARP_HTYPE_ETHERNET);
    wire_put_be16(b + 2, ETH_TYPE_IPV4);
    b[4] = ARP_HLEN_ETHERNET;
    b[5] = ARP_PLEN_IPV4;
    wire_put_be16(b + 6, p->op);
    memcpy(b + 8, p->sender_mac, NET_MAC_LEN);
    wire_put_be32(b + 14, p->sender_ip);
    memcpy(b + 18, p->target_mac, NET_MAC_LEN);
    wire_put_be32(b + 24, p->target_ip);
}

void arp_cache_init(struct arp_cache *c)
{
    memset(c, 0, sizeof *c);
}

static struct arp_entry *arp_cache_find(struct arp_cache *c, uint32_t ip)
{
    for (size_t i = 0; i < ARP_CACHE_SIZE; i++)
        if (c->entries[i].ip == ip)
            return &c->entries[i];
    return NULL;
}

/* A free slot, else the resolved entry expiring first, else slot 0. */
static struct arp_entry *arp_cache_victim(struct arp_cache *c)
{
    struct arp_entry *best = &c->entries[0];
    for (size_t i = 0; i < ARP_CACHE_SIZE; i++) {
        struct arp_entry *e = &c->entries[i];
        if (e->ip == 0)
            return e;
        if (e->expires_ns < best->expires_ns)
            best = e;
    }
    return best;
}

void arp_cache_update(struct arp_cache *c, uint32_t ip, const uint8_t *mac, uint64_t now)
{
    if (ip == 0)
        return;
    struct arp_entry *e = arp_cache_find(c, ip);
    if (!e)
        e = arp_cache_victim(c);
    e->ip = ip;
    memcpy(e->mac, mac, NET_MAC_LEN);
    e->resolved = true;
    e->expires_ns = now + ARP_ENTRY_TTL_NS;
}

bool arp_cache_lookup(struct arp_cache *c, uint32_t ip, uint8_t *mac, uint64_t now)
{
    struct arp_entry *e = arp_cache_find(c, ip);
    if (!e || !e->resolved)
        return false;
    if (now >= e->expires_ns) {
        e->resolved = false;
        return false;
    }
    memcpy(mac, e->mac, NET_MAC_LEN);
    return true;
}

bool arp_cache_should_request(struct arp_cache *c, uint32_t ip, uint64_t now)
{
    struct arp_entry *e = arp_cache_find(c, ip);
    if (!e) {
        e = arp_cache_victim(c);
        memset(e, 0, sizeof *e);
        e->ip = ip;
    } else if (e->last_request_ns != 0 && now - e->last_request_ns < ARP_REQUEST_INTERVAL_NS) {
        return false;
    }
    e->last_request_ns = now ? now : 1;
    return true;
}

bool arp_cache_needs_refresh(struct arp_cache *c, uint32_t ip, uint64_t now)
{
    struct arp_entry *e = arp_cache_find(c, ip);
    if (!e || !e->resolved || e->expires_ns - now > ARP_REFRESH_BEFORE_NS)
        return false;
    if (e->last_request_ns != 0 && now - e->last_request_ns < ARP_REQUEST_INTERVAL_NS)
        return false;
    e->last_request_ns = now ? now : 1;
    return true;
}
