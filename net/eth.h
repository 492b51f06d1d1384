/* SPDX-License-Identifier: MIT */
/* Ethernet II framing (IEEE 802.3 clause 3, EtherType >= 0x0600). Frames carry no FCS
 * here (the NIC strips and adds it); 802.1Q tags are not understood and are dropped. */
#ifndef NET_ETH_H
#define NET_ETH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net_defs.h"

#define ETH_HEADER_LEN 14
#define ETH_TYPE_IPV4 0x0800 /* IANA EtherType registry */
#define ETH_TYPE_ARP 0x0806
#define ETH_TYPE_MIN 0x0600  /* below this the field is an 802.3 length */
#define ETH_MAC_GROUP_BIT 0x01 /* I/G bit of the first address byte: multicast/broadcast */

struct eth_header {
    uint8_t dst[NET_MAC_LEN];
    uint8_t src[NET_MAC_LEN];
    uint16_t type;
};

extern const uint8_t ETH_BROADCAST[NET_MAC_LEN];

/* Parses the header of frame; false if len < ETH_HEADER_LEN or the type is a length. */
bool eth_decode(const uint8_t *frame, size_t len, struct eth_header *out);
/* Writes the 14-byte header h at out. */
void eth_encode(uint8_t *out, const struct eth_header *h);
/* True when mac is the broadcast address. */
bool eth_is_broadcast(const uint8_t *mac);

#endif
