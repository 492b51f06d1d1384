/* SPDX-License-Identifier: MIT */
/* Fuzzes the ARP decoder (round trip on acceptance) and the cache with decoded packets. */
#include <stdlib.h>
#include <string.h>

#include "net/arp.h"
#include "tests/fuzz/fuzz.h"

static struct arp_cache cache;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arp_packet p;
    if (!arp_decode(data, size, &p))
        return 0;
    uint8_t out[ARP_PACKET_LEN], mac[NET_MAC_LEN];
    arp_encode(out, &p);
    if (memcmp(out, data, ARP_PACKET_LEN) != 0)
        abort();
    uint64_t now = (uint64_t)p.target_ip * 1000;
    arp_cache_update(&cache, p.sender_ip, p.sender_mac, now);
    if (p.sender_ip != 0 && (!arp_cache_lookup(&cache, p.sender_ip, mac, now) ||
                             memcmp(mac, p.sender_mac, NET_MAC_LEN) != 0))
        abort();
    arp_cache_should_request(&cache, p.target_ip, now);
    return 0;
}
