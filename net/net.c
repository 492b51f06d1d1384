/* SPDX-License-Identifier: MIT */
/* The stack's top: configuration, the receive dispatch (Ethernet -> ARP | IPv4 ->
 * reassembly -> ICMP echo | UDP -> transport), timers and the counter dump. Each layer's
 * bytes are parsed by its codec; this file only routes and counts. */
#include "kernel/format.h"
#include "kernel/libc.h"
#include "net/icmp.h"
#include "net/ipv4.h"
#include "net/net_internal.h"
#include "net/siphash.h"
#include "net/udp.h"

#define NET_SUBNET_MASK 0xffffff00u /* peers share one /24 */

static bool net_config_check(const struct net_env *env, const struct net_config *cfg, char *err, size_t err_size)
{
    if (cfg->node_count < 1 || cfg->node_count > NET_MAX_NODES) {
        fmt_snprintf(err, err_size, "nodes=%u out of range 1..%u", cfg->node_count, NET_MAX_NODES);
        return false;
    }
    if (cfg->node_id >= cfg->node_count) {
        fmt_snprintf(err, err_size, "node=%u not below nodes=%u", cfg->node_id, cfg->node_count);
        return false;
    }
    if (cfg->key_len != NET_KEY_MIN && cfg->key_len != NET_KEY_MAX) {
        fmt_snprintf(err, err_size, "key must be %u or %u bytes, got %zu", NET_KEY_MIN, NET_KEY_MAX, cfg->key_len);
        return false;
    }
    if (env->mtu < NET_MTU_MIN || env->mtu > NET_MTU_MAX) {
        fmt_snprintf(err, err_size, "mtu %u out of range %u..%u", env->mtu, NET_MTU_MIN, NET_MTU_MAX);
        return false;
    }
    if (!env->transmit || !env->now_ns || !env->random_bytes || !env->log_line) {
        fmt_snprintf(err, err_size, "environment incomplete");
        return false;
    }
    return true;
}

void net_release(struct net *n)
{
    transport_release(n);
}

bool net_init(struct net *n, const struct net_env *env, const struct net_config *cfg, char *err, size_t err_size)
{
    if (!net_config_check(env, cfg, err, err_size))
        return false;
    memset(n, 0, sizeof *n);
    n->env = *env;
    n->node_id = cfg->node_id;
    n->node_count = cfg->node_count;
    n->subnet = cfg->subnet ? cfg->subnet & NET_SUBNET_MASK
                            : (cfg->ipv4 ? cfg->ipv4 & NET_SUBNET_MASK : NET_SUBNET_DEFAULT);
    n->ip = cfg->ipv4 ? cfg->ipv4 : n->subnet + NET_HOST_BASE + cfg->node_id;
    for (uint32_t i = 0; i < NET_MAX_NODES; i++)
        n->peer_ip[i] = n->subnet + NET_HOST_BASE + i;
    n->peer_ip[n->node_id] = n->ip;
    uint8_t rnd[2];
    env->random_bytes(env->ctx, rnd, sizeof rnd);
    n->ip_next_id = (uint16_t)(rnd[0] << 8 | rnd[1]);
    /* A 32-byte secret is compressed to the 16-byte SipHash key with SipHash itself:
     * key = SipHash-128(first half; message = second half). */
    uint8_t key[SIPHASH_KEY_LEN];
    if (cfg->key_len == NET_KEY_MAX)
        siphash_128(cfg->key, cfg->key + SIPHASH_KEY_LEN, NET_KEY_MAX - SIPHASH_KEY_LEN, key);
    else
        memcpy(key, cfg->key, SIPHASH_KEY_LEN);
    uint64_t epoch = 0;
    while (epoch == 0) {
        uint8_t e[8];
        env->random_bytes(env->ctx, e, sizeof e);
        for (size_t i = 0; i < sizeof e; i++)
            epoch = epoch << 8 | e[i];
    }
    pbuf_pool_init(&n->pool);
    arp_cache_init(&n->arp);
    ipv4_reasm_init(&n->reasm);
    transport_init(n, key, epoch);
    net_ping_init(n);
    cluster_init(n, net_now(n));
    return true;
}

uint32_t net_peer_ip(const struct net *n, uint32_t peer)
{
    return n->peer_ip[peer];
}

void net_peer_ip_learn(struct net *n, uint32_t peer, uint32_t ip)
{
    n->peer_ip[peer] = ip;
}

static void net_arp_input(struct net *n, const uint8_t *bytes, size_t len)
{
    struct arp_packet p;
    /* A group sender address would make us send unicast traffic to everyone. */
    if (!arp_decode(bytes, len, &p) || p.sender_ip == 0 || (p.sender_mac[0] & ETH_MAC_GROUP_BIT)) {
        n->counters.arp_malformed++;
        return;
    }
    uint64_t now = net_now(n);
    /* RFC 826 merge: refresh the sender if known; learn it if the packet is for us. */
    uint8_t old[NET_MAC_LEN];
    bool for_us = p.target_ip == n->ip;
    if (for_us || arp_cache_lookup(&n->arp, p.sender_ip, old, now))
        arp_cache_update(&n->arp, p.sender_ip, p.sender_mac, now);
    if (for_us && p.op == ARP_OP_REQUEST) {
        n->counters.arp_requests_in++;
        net_send_arp(n, p.sender_mac, ARP_OP_REPLY, p.sender_mac, p.sender_ip);
        n->counters.arp_replies_out++;
    }
}

static void net_icmp_input(struct net *n, const struct ipv4_header *ih, const uint8_t *bytes, size_t len)
{
    switch (icmp_decode(bytes, len)) {
    case ICMP_DECODE_MALFORMED:
        n->counters.icmp_malformed++;
        return;
    case ICMP_DECODE_OTHER:
        n->counters.icmp_other_type++;
        return;
    case ICMP_DECODE_ECHO_REQUEST:
        break;
    }
    /* Build the reply in a pbuf: the request bytes may live in the driver's buffer. */
    struct pbuf *b = pbuf_alloc(&n->pool);
    if (!b)
        return;
    uint8_t *msg = pbuf_put(b, len);
    if (!msg) {
        n->counters.icmp_malformed++; /* larger than any datagram we could send back */
        pbuf_free(&n->pool, b);
        return;
    }
    memcpy(msg, bytes, len);
    icmp_make_echo_reply(msg, len);
    if (net_send_ipv4(n, ih->src, IPV4_PROTO_ICMP, b, NULL))
        n->counters.icmp_echo_replies++;
    pbuf_free(&n->pool, b);
}

static void net_udp_input(struct net *n, const struct ipv4_header *ih, const uint8_t *bytes, size_t len)
{
    struct udp_header uh;
    switch (udp_decode(bytes, len, ih->src, ih->dst, &uh)) {
    case UDP_DECODE_MALFORMED:
        n->counters.udp_malformed++;
        return;
    case UDP_DECODE_CHECKSUM:
        n->counters.udp_bad_checksum++;
        return;
    case UDP_DECODE_OK:
        break;
    }
    if (uh.dst_port != TRANSPORT_UDP_PORT) {
        n->counters.udp_other_port++;
        return;
    }
    transport_input(n, bytes + UDP_HEADER_LEN, uh.length - UDP_HEADER_LEN, ih->src);
}

/* A whole IPv4 payload (unfragmented or reassembled). */
static void net_ipv4_deliver(struct net *n, const struct ipv4_header *ih, const uint8_t *bytes, size_t len)
{
    if (ih->protocol == IPV4_PROTO_UDP)
        net_udp_input(n, ih, bytes, len);
    else if (ih->protocol == IPV4_PROTO_ICMP)
        net_icmp_input(n, ih, bytes, len);
    else
        n->counters.ip_other_proto++;
}

static void net_ipv4_input(struct net *n, const uint8_t *bytes, size_t len)
{
    struct ipv4_header ih;
    switch (ipv4_decode(bytes, len, &ih)) {
    case IPV4_DECODE_MALFORMED:
        n->counters.ip_malformed++;
        return;
    case IPV4_DECODE_CHECKSUM:
        n->counters.ip_bad_checksum++;
        return;
    case IPV4_DECODE_OK:
        break;
    }
    if (ih.dst != n->ip) {
        n->counters.ip_not_ours++;
        return;
    }
    const uint8_t *payload = bytes + ih.header_len;
    size_t payload_len = ih.total_len - ih.header_len;
    if (!ih.more_fragments && ih.frag_offset == 0) {
        net_ipv4_deliver(n, &ih, payload, payload_len);
        return;
    }
    struct pbuf *whole = NULL;
    switch (ipv4_reasm_add(&n->reasm, &n->pool, &ih, payload, payload_len, net_now(n), &whole)) {
    case IPV4_REASM_PENDING:
        return;
    case IPV4_REASM_DROPPED:
        n->counters.ip_frag_dropped++;
        return;
    case IPV4_REASM_COMPLETE:
        break;
    }
    n->counters.ip_reassembled++;
    ih.total_len = (uint16_t)(ih.header_len + whole->len);
    net_ipv4_deliver(n, &ih, pbuf_bytes(whole), whole->len);
    pbuf_free(&n->pool, whole);
}

void net_input(struct net *n, const uint8_t *frame, size_t len)
{
    n->counters.rx_frames++;
    struct eth_header eh;
    if (!eth_decode(frame, len, &eh)) {
        n->counters.rx_eth_malformed++;
        return;
    }
    if (memcmp(eh.dst, n->env.mac, NET_MAC_LEN) != 0 && !eth_is_broadcast(eh.dst)) {
        n->counters.rx_eth_not_ours++;
        return;
    }
    if (eh.type == ETH_TYPE_ARP)
        net_arp_input(n, frame + ETH_HEADER_LEN, len - ETH_HEADER_LEN);
    else if (eh.type == ETH_TYPE_IPV4)
        net_ipv4_input(n, frame + ETH_HEADER_LEN, len - ETH_HEADER_LEN);
    else
        n->counters.rx_eth_other_type++;
}

void net_poll(struct net *n)
{
    uint64_t now = net_now(n);
    ipv4_reasm_expire(&n->reasm, &n->pool, now);
    transport_poll(n, now);
    cluster_poll(n, now);
    net_ping_poll(n);
}

uint64_t net_next_deadline_ns(const struct net *n)
{
    uint64_t t = ipv4_reasm_next_deadline(&n->reasm);
    uint64_t tp = transport_next_deadline(n), cl = cluster_next_deadline(n);
    if (tp < t)
        t = tp;
    if (cl < t)
        t = cl;
    /* A stream run with room in its window has work right away. */
    if (n->ping.active && n->ping.stream && n->ping.remaining > 0 && transport_can_send(n, n->ping.peer))
        t = 0;
    return t;
}

bool net_cluster_ready(const struct net *n)
{
    return n->cluster.ready;
}

void net_set_peer_event_hook(struct net *n, net_peer_event_fn fn, void *ctx)
{
    n->cluster.hook = fn;
    n->cluster.hook_ctx = ctx;
}

void net_dump_counters(const struct net *n)
{
    char line[200];
    size_t used = 0;
#define NET_COUNTER_DUMP(name)                                                                              \
    if (n->counters.name != 0) {                                                                           \
        if (used > sizeof line - 64) {                                                                     \
            net_log(n, "net:%s", line);                                                                   \
            used = 0;                                                                                      \
        }                                                                                                  \
        used += (size_t)fmt_snprintf(line + used, sizeof line - used, " %s=%llu", #name,                    \
                                     (unsigned long long)n->counters.name);                                \
    }
    NET_COUNTER_LIST(NET_COUNTER_DUMP)
#undef NET_COUNTER_DUMP
    if (used)
        net_log(n, "net:%s", line);
    for (uint32_t i = 0; i < n->node_count; i++) {
        const struct transport_peer *p = &n->tp.peers[i];
        if (i == n->node_id)
            continue;
        net_log(n, "net: peer %u %s epoch %016llx srtt %llu us rto %llu us in flight %u next seq %u rcv next %u", i,
                n->cluster.peers[i].suspected ? "suspect" : (p->epoch ? "up" : "unknown"),
                (unsigned long long)p->epoch, (unsigned long long)(p->srtt_ns / 1000),
                (unsigned long long)(p->rto_ns / 1000), p->snd_next - p->snd_una, p->snd_next, p->rcv_next);
    }
    net_log(n,
            "net: pbufs free=%u low=%u alloc_failures=%llu reasm done=%llu timeouts=%llu bad=%llu no_slot=%llu "
            "evicted=%llu",
            n->pool.free_count, n->pool.low_water, (unsigned long long)n->pool.alloc_failures,
            (unsigned long long)n->reasm.stats.completed, (unsigned long long)n->reasm.stats.timeouts,
            (unsigned long long)n->reasm.stats.bad, (unsigned long long)n->reasm.stats.no_slot,
            (unsigned long long)n->reasm.stats.evicted);
}
