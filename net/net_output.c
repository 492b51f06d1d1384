/* SPDX-License-Identifier: MIT */
/* The transmit path: Ethernet + IPv4 (+ UDP) encapsulation with ARP resolution and IPv4
 * fragmentation at the link MTU (RFC 791 section 2.3: every fragment but the last carries
 * a multiple of 8 payload bytes). Frames go out through env.transmit, which copies. */
#include "kernel/format.h"
#include "kernel/libc.h"
#include "net/arp.h"
#include "net/ipv4.h"
#include "net/ipv4_reasm.h"
#include "net/transport_codec.h"
#include "net/net_internal.h"
#include "net/udp.h"

_Static_assert(PBUF_HEADROOM >= ETH_HEADER_LEN + IPV4_HEADER_LEN + UDP_HEADER_LEN,
               "headers are pushed into the headroom");
_Static_assert(PBUF_CAPACITY - PBUF_HEADROOM >= TRANSPORT_DGRAM_MAX, "a whole transport datagram fits a pbuf");
_Static_assert(TRANSPORT_DGRAM_MAX + UDP_HEADER_LEN + IPV4_HEADER_LEN <= NET_MTU_MAX,
               "the largest message is one frame at MTU 9000");
_Static_assert(TRANSPORT_DGRAM_MAX + UDP_HEADER_LEN <= IPV4_REASM_MAX_PAYLOAD, "and reassembles at any MTU");

/* more: the caller sends another frame right after this one. */
static bool net_transmit(struct net *n, const uint8_t *frame, size_t len, bool more)
{
    bool (*tx)(void *, const uint8_t *, size_t) = more && n->env.transmit_more ? n->env.transmit_more : n->env.transmit;
    if (!tx(n->env.ctx, frame, len)) {
        n->counters.tx_failed++;
        return false;
    }
    n->counters.tx_frames++;
    return true;
}

/* Next-hop MAC of dst_ip (everything is on-link); asks ARP when unknown. */
static bool net_resolve(struct net *n, uint32_t dst_ip, uint8_t *mac)
{
    uint64_t now = net_now(n);
    if (arp_cache_lookup(&n->arp, dst_ip, mac, now)) {
        if (arp_cache_needs_refresh(&n->arp, dst_ip, now)) {
            net_send_arp(n, mac, ARP_OP_REQUEST, mac, dst_ip); /* RFC 1122 2.3.2.1: unicast poll */
            n->counters.arp_requests_out++;
        }
        return true;
    }
    n->counters.arp_unresolved++;
    if (arp_cache_should_request(&n->arp, dst_ip, now)) {
        static const uint8_t unknown[NET_MAC_LEN];
        net_send_arp(n, ETH_BROADCAST, ARP_OP_REQUEST, unknown, dst_ip);
        n->counters.arp_requests_out++;
    }
    return false;
}

void net_send_arp(struct net *n, const uint8_t *dst_mac, uint16_t op, const uint8_t *target_mac, uint32_t target_ip)
{
    uint8_t frame[ETH_HEADER_LEN + ARP_PACKET_LEN];
    struct eth_header eh = { .type = ETH_TYPE_ARP };
    memcpy(eh.dst, dst_mac, NET_MAC_LEN);
    memcpy(eh.src, n->env.mac, NET_MAC_LEN);
    eth_encode(frame, &eh);
    struct arp_packet p = { .op = op, .sender_ip = n->ip, .target_ip = target_ip };
    memcpy(p.sender_mac, n->env.mac, NET_MAC_LEN);
    memcpy(p.target_mac, target_mac, NET_MAC_LEN);
    arp_encode(frame + ETH_HEADER_LEN, &p);
    net_transmit(n, frame, sizeof frame, false);
}

static void net_eth_header(struct net *n, uint8_t *out, const uint8_t *dst_mac)
{
    struct eth_header eh = { .type = ETH_TYPE_IPV4 };
    memcpy(eh.dst, dst_mac, NET_MAC_LEN);
    memcpy(eh.src, n->env.mac, NET_MAC_LEN);
    eth_encode(out, &eh);
}

static void net_ipv4_header(struct net *n, uint8_t *out, uint32_t dst_ip, uint8_t protocol, size_t payload_len,
                            uint16_t id, uint16_t frag_offset, bool more)
{
    struct ipv4_header ih = {
        .total_len = (uint16_t)(IPV4_HEADER_LEN + payload_len),
        .id = id,
        .more_fragments = more,
        .frag_offset = frag_offset,
        .ttl = IPV4_DEFAULT_TTL,
        .protocol = protocol,
        .src = n->ip,
        .dst = dst_ip,
    };
    ipv4_encode(out, &ih);
}

/* The identification for a datagram: the caller's, or the next one (never 0, which
 * marks "none chosen yet"). */
static uint16_t net_ip_id(struct net *n, uint16_t *ip_id)
{
    if (ip_id && *ip_id)
        return *ip_id;
    uint16_t id = n->ip_next_id++;
    if (id == 0)
        id = n->ip_next_id++;
    if (ip_id)
        *ip_id = id;
    return id;
}

bool net_send_ipv4(struct net *n, uint32_t dst_ip, uint8_t protocol, struct pbuf *b, uint16_t *ip_id)
{
    uint8_t mac[NET_MAC_LEN];
    if (!net_resolve(n, dst_ip, mac))
        return false;
    size_t ip_payload = b->len;
    uint16_t id = net_ip_id(n, ip_id);
    if (ip_payload + IPV4_HEADER_LEN <= n->env.mtu) {
        /* One frame: push the headers in front of the payload and send it in place. */
        net_ipv4_header(n, pbuf_push(b, IPV4_HEADER_LEN), dst_ip, protocol, ip_payload, id, 0, false);
        net_eth_header(n, pbuf_push(b, ETH_HEADER_LEN), mac);
        bool ok = net_transmit(n, pbuf_bytes(b), b->len, false);
        pbuf_pull(b, ETH_HEADER_LEN + IPV4_HEADER_LEN);
        return ok;
    }
    if (ip_payload > IPV4_MAX_DATAGRAM - IPV4_HEADER_LEN || b->head < ETH_HEADER_LEN + IPV4_HEADER_LEN)
        return false;
    /* Fragments are sent in place: each one's headers are written over the 34 bytes just
     * before its data (the headroom, or the tail of the fragment already sent, saved and
     * put back), so the payload is never copied. */
    size_t chunk = ((size_t)n->env.mtu - IPV4_HEADER_LEN) / IPV4_FRAG_UNIT * IPV4_FRAG_UNIT;
    uint8_t *payload = pbuf_bytes(b);
    bool ok = true;
    for (size_t off = 0; off < ip_payload && ok; off += chunk) {
        size_t len = ip_payload - off < chunk ? ip_payload - off : chunk;
        uint8_t *f = payload + off - (ETH_HEADER_LEN + IPV4_HEADER_LEN);
        uint8_t saved[ETH_HEADER_LEN + IPV4_HEADER_LEN];
        memcpy(saved, f, sizeof saved);
        net_eth_header(n, f, mac);
        net_ipv4_header(n, f + ETH_HEADER_LEN, dst_ip, protocol, len, id, (uint16_t)off, off + len < ip_payload);
        ok = net_transmit(n, f, ETH_HEADER_LEN + IPV4_HEADER_LEN + len, off + len < ip_payload);
        memcpy(f, saved, sizeof saved);
        n->counters.tx_fragments++;
    }
    return ok;
}

bool net_send_udp(struct net *n, uint32_t dst_ip, struct pbuf *b, uint16_t *ip_id)
{
    size_t payload_len = b->len;
    uint8_t *udp = pbuf_push(b, UDP_HEADER_LEN);
    /* The transport's tag covers every payload byte (and decides delivery), so a checksum
     * would be a second full pass over each message on both ends for nothing. */
    udp_encode_unchecked(udp, TRANSPORT_UDP_PORT, TRANSPORT_UDP_PORT, payload_len);
    bool ok = net_send_ipv4(n, dst_ip, IPV4_PROTO_UDP, b, ip_id);
    pbuf_pull(b, UDP_HEADER_LEN);
    return ok;
}

void net_log(const struct net *n, const char *fmt, ...)
{
    char line[200];
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    n->env.log_line(n->env.ctx, line);
}
