/* SPDX-License-Identifier: MIT */
/* Ethernet II header codec (see eth.h). */
#include "net/eth.h"

#include "kernel/libc.h"
#include "net/wire.h"

const uint8_t ETH_BROADCAST[NET_MAC_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

bool eth_decode(const uint8_t *frame, size_t len, struct eth_header *out)
{
    if (len < ETH_HEADER_LEN)
        return false;
    memcpy(out->dst, frame, NET_MAC_LEN);
    memcpy(out->src, frame + NET_MAC_LEN, NET_MAC_LEN);
    out->type = wire_get_be16(frame + 2 * NET_MAC_LEN);
    return out->type >= ETH_TYPE_MIN;
}

void eth_encode(uint8_t *out, const struct eth_header *h)
{
    memcpy(out, h->dst, NET_MAC_LEN);
    memcpy(out + NET_MAC_LEN, h->src, NET_MAC_LEN);
    wire_put_be16(out + 2 * NET_MAC_LEN, h->type);
}

bool eth_is_broadcast(const uint8_t *mac)
{
    return memcmp(mac, ETH_BROADCAST, NET_MAC_LEN) == 0;
}
