/* SPDX-License-Identifier: MIT */
/* ARP for IPv4 over Ethernet (RFC 826): the packet codec and a small cache with
 * timeouts. No gratuitous-ARP conflict detection, no proxy ARP. */
#ifndef NET_ARP_H
#define NET_ARP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net_defs.h"

#define ARP_PACKET_LEN 28      /* RFC 826 with hlen 6, plen 4 */
#define ARP_HTYPE_ETHERNET 1   /* IANA ARP hardware type */
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2
#define ARP_CACHE_SIZE 32
#define ARP_ENTRY_TTL_NS (60ull * 1000000000ull)  /* re-resolve after a minute */
#define ARP_REQUEST_INTERVAL_NS (10000000ull)      /* at most one request per 10 ms per address */
#define ARP_REFRESH_BEFORE_NS (10ull * 1000000000ull) /* re-ask this long before an entry expires */

struct arp_packet {
    uint16_t op;
    uint8_t sender_mac[NET_MAC_LEN];
    uint32_t sender_ip; /* host byte order */
    uint8_t target_mac[NET_MAC_LEN];
    uint32_t target_ip;
};

/* Parses an ARP packet (Ethernet payload); false unless it is Ethernet/IPv4 with hlen 6,
 * plen 4, op request or reply, and len >= ARP_PACKET_LEN (padding allowed). */
bool arp_decode(const uint8_t *bytes, size_t len, struct arp_packet *out);
/* Writes p as ARP_PACKET_LEN bytes at out. */
void arp_encode(uint8_t *out, const struct arp_packet *p);

struct arp_entry {
    uint32_t ip;              /* 0 = free slot */
    uint8_t mac[NET_MAC_LEN];
    bool resolved;            /* mac is valid */
    uint64_t expires_ns;      /* resolved: entry dropped after this */
    uint64_t last_request_ns; /* unresolved: when we last asked */
};

struct arp_cache {
    struct arp_entry entries[ARP_CACHE_SIZE];
};

/* Empties the cache. */
void arp_cache_init(struct arp_cache *c);
/* Records ip -> mac as resolved until now + ARP_ENTRY_TTL_NS (evicts the oldest if full). */
void arp_cache_update(struct arp_cache *c, uint32_t ip, const uint8_t *mac, uint64_t now);
/* Copies the MAC of ip into mac and returns true if resolved and not expired. */
bool arp_cache_lookup(struct arp_cache *c, uint32_t ip, uint8_t *mac, uint64_t now);
/* True if a resolved entry for ip is close to expiry and a (unicast) re-request should
 * go out now, so traffic never stalls on an expired entry; records the attempt. */
bool arp_cache_needs_refresh(struct arp_cache *c, uint32_t ip, uint64_t now);
/* True if a request for ip should be sent now (rate limit); records the attempt. */
bool arp_cache_should_request(struct arp_cache *c, uint32_t ip, uint64_t now);

#endif
