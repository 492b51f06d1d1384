/* SPDX-License-Identifier: MIT */
/* The network stack's state, visible only so the kernel glue can own the storage
 * (`static struct net`, about 1 MB, mostly packet buffers). Nothing outside net/ reads
 * these fields except host tests. */
#ifndef NET_NET_STATE_H
#define NET_NET_STATE_H

#include <stdint.h>

#include "net/arp.h"
#include "net/cluster.h"
#include "net/counters.h"
#include "net/eth.h"
#include "net/ipv4_reasm.h"
#include "net/net_ping.h"
#include "net/pbuf.h"
#include "net/transport.h"

struct net {
    struct net_env env;
    uint32_t node_id, node_count;
    uint32_t ip;                 /* our address, host byte order */
    uint32_t subnet;             /* peers are subnet + NET_HOST_BASE + id */
    uint16_t ip_next_id;         /* IPv4 identification of the next datagram */
    uint32_t peer_ip[NET_MAX_NODES]; /* where each peer is reached; learned from its traffic */
    struct net_counters counters;
    struct arp_cache arp;
    struct ipv4_reasm reasm;
    struct transport tp;
    struct cluster cluster;
    struct net_ping ping;
    struct pbuf_pool pool;
    struct pbuf control;         /* acks and hellos: sent even when the pool is empty */
};

#endif
