/* SPDX-License-Identifier: MIT */
/* Constants and types of the network stack's interface (net.h): limits, the environment
 * the kernel glue fills, the configuration, error codes and callback types. Split out so
 * the stack's own headers can use them without including net.h's state. */
#ifndef NET_NET_DEFS_H
#define NET_NET_DEFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_MAC_LEN 6
#define NET_MAX_NODES 16             /* node ids 0..15; node 0 is the controller (DESIGN 2) */
#define NET_MTU_DEFAULT 1500         /* IEEE 802.3 payload size */
#define NET_MTU_MIN 576              /* RFC 791: every host must accept 576-byte datagrams */
#define NET_MTU_MAX 9000             /* jumbo frames; the pbuf size follows from this */
#define NET_KEY_MIN 16               /* SipHash key is 16 bytes; a 32-byte key is folded to 16 */
#define NET_KEY_MAX 32
#define NET_SUBNET_DEFAULT 0x0a4d0000u /* 10.77.0.0/24, the bridge of tools/dsmk (PLUMBING 4) */
#define NET_HOST_BASE 10u            /* node i has address subnet.(10 + i) unless ip= is given */
#define TRANSPORT_UDP_PORT 7411      /* cluster transport, source and destination port */
#define TRANSPORT_MAX_MSG 8192       /* payload bytes of one message (two 4 KiB pages) */

/* What the kernel glue provides. All function pointers are required. */
struct net_env {
    void *ctx; /* passed back to every callback */
    /* Sends one Ethernet frame (destination MAC first, no FCS, len <= mtu + 14); the
     * callee copies the bytes before returning. false = dropped (the stack counts it). */
    bool (*transmit)(void *ctx, const uint8_t *frame, size_t len);
    /* Optional (NULL: transmit): the same for a frame that another follows at once (the
     * NIC's doorbell may wait for it). The stack ends every burst with a transmit call, or
     * with a failed transmit_more, after which the environment must not hold frames back. */
    bool (*transmit_more)(void *ctx, const uint8_t *frame, size_t len);
    /* Monotonic nanoseconds since an arbitrary origin. */
    uint64_t (*now_ns)(void *ctx);
    /* Fills buf with len unpredictable bytes (boot epoch/nonce). */
    void (*random_bytes)(void *ctx, uint8_t *buf, size_t len);
    /* Prints one complete line (no newline included) on the node's console. */
    void (*log_line)(void *ctx, const char *line);
    /* Optional (NULL: none): heap memory for messages that must not be refused while the
     * window, its backlog and the buffers are full (transport.h, the spill). alloc
     * returns NULL when out of memory; free takes what alloc gave. */
    void *(*alloc)(void *ctx, size_t bytes);
    void (*free)(void *ctx, void *block);
    uint8_t mac[NET_MAC_LEN]; /* the NIC's MAC address */
    uint16_t mtu;             /* IP MTU of the link, NET_MTU_MIN..NET_MTU_MAX */
};

/* Cluster configuration, filled by the glue from the command line (node= nodes= key= ip=). */
struct net_config {
    uint32_t node_id;               /* 0..node_count-1 */
    uint32_t node_count;            /* 1..NET_MAX_NODES */
    uint8_t key[NET_KEY_MAX];       /* cluster secret */
    size_t key_len;                 /* NET_KEY_MIN or NET_KEY_MAX */
    uint32_t ipv4;                  /* host byte order; 0 = NET_SUBNET_DEFAULT + NET_HOST_BASE + node_id */
    uint32_t subnet;                /* host byte order /24 base of peer addresses; 0 = NET_SUBNET_DEFAULT */
};

/* Errors returned by the sending calls (0 = accepted). */
enum net_error {
    NET_OK = 0,
    NET_ERR_AGAIN = -1,    /* send window or buffer pool full: call net_poll and retry */
    NET_ERR_TOO_BIG = -2,  /* len > TRANSPORT_MAX_MSG */
    NET_ERR_PEER = -3,     /* no such peer, or the peer is ourselves */
    NET_ERR_TYPE = -4,     /* message type reserved by the transport */
    NET_ERR_DOWN = -5,     /* peer declared dead; its pending requests complete with this */
    NET_ERR_NO_HANDLER = -6, /* the peer has no handler for the request's type (answered at once) */
};

/* Message types 0..TRANSPORT_TYPE_USER_FIRST-1 belong to the transport and cluster layers. */
#define TRANSPORT_TYPE_USER_FIRST 16
#define TRANSPORT_TYPE_COUNT 64

struct net;

/* An upper-layer message handler. request_id != 0 means the sender awaits exactly one
 * transport_reply(n, from, request_id, ...). msg is valid only during the call. Called
 * exactly once per message, in the sender's order, from inside net_input or net_poll. */
typedef void (*transport_handler_fn)(void *ctx, struct net *n, uint32_t from, uint8_t type, const uint8_t *msg,
                                     size_t len, uint64_t request_id);
/* Completion of a transport_request: status NET_OK with the reply, or with reply NULL
 * NET_ERR_DOWN (peer failed) or NET_ERR_NO_HANDLER (peer has no handler for the type).
 * Called exactly once. */
typedef void (*transport_reply_fn)(void *ctx, int status, const uint8_t *reply, size_t len);

/* Cluster membership events for fault handling (DESIGN 7). */
enum net_peer_event {
    NET_PEER_UP = 1,        /* heard from the peer for the first time (or again after DOWN) */
    NET_PEER_SUSPECT = 2,   /* no heartbeat for NET_HEARTBEAT_TIMEOUT_NS */
    NET_CLUSTER_READY = 3,  /* every node joined; peer = controller */
};
typedef void (*net_peer_event_fn)(void *ctx, struct net *n, enum net_peer_event ev, uint32_t peer);

#endif
