/* SPDX-License-Identifier: MIT */
/* The reliable cluster transport's state and internal entry points (the public calls are
 * in net.h). Per ordered node pair: sequence numbers from 1, a bounded send window kept
 * for retransmission, cumulative + selective acks (piggybacked or delayed), an adaptive
 * retransmission timeout (RFC 6298), out-of-order buffering so delivery is exactly once
 * and in order, and boot epochs so a restarted peer is told apart from a replay.
 * It does not give up on a silent peer: the cluster heartbeat reports suspicion. */
#ifndef NET_TRANSPORT_H
#define NET_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/pbuf.h"
#include "net/transport_codec.h"

#define TRANSPORT_WINDOW 32                      /* unacked messages per peer; sack covers 32 */
#define TRANSPORT_MAX_REQUESTS 128               /* outstanding transport_request calls */
#define TRANSPORT_POOL_RESERVE 24                /* pbufs kept for receiving (reasm, reorder) */
#define TRANSPORT_BACKLOG_MAX 64                 /* queued replies per peer beyond the window */
/* Messages per peer kept in heap memory behind a full backlog (the spill). A burst of this
 * many must-deliver messages to one peer is legitimate: a futex wake of every thread of a
 * node (kernel/thread.h THREAD_MAX) answers each waiter on its own. */
#define TRANSPORT_SPILL_MAX 4096
#define TRANSPORT_RTO_INITIAL_NS 5000000ull      /* 5 ms before any RTT sample (RFC 6298 2.1: 1 s) */
#define TRANSPORT_RTO_MIN_NS 500000ull           /* 0.5 ms: TCG RTTs are 50-500 us (PLUMBING 13) */
#define TRANSPORT_RTO_MAX_NS 200000000ull        /* 200 ms backoff ceiling */
#define TRANSPORT_BACKOFF_DOUBLINGS 3            /* RTO x8 at most: loss on a LAN is random, the
                                                  * window (not backoff) bounds what we inject */
#define TRANSPORT_DELAYED_ACK_NS 200000ull       /* a reply usually carries the ack sooner */
#define TRANSPORT_RETIRED_EPOCHS 8               /* remembered past boots of each peer */
#define TRANSPORT_HELLO_ANSWER_GAP_NS 1000000ull /* at most one answered hello per peer per ms */

/* Reserved message types (below TRANSPORT_TYPE_USER_FIRST). */
#define TRANSPORT_TYPE_REPLY 1 /* answer to request_id */
#define TRANSPORT_TYPE_VIEW 2  /* cluster view from the controller */
#define TRANSPORT_TYPE_PING 3  /* round-trip probe, answered by net_ping.c */
#define TRANSPORT_TYPE_STREAM 4 /* one-way throughput probe, counted by net_ping.c */

struct transport_tx_slot {
    struct pbuf *buf;       /* the encoded datagram; NULL = free. Owned until acked */
    uint32_t seq;
    bool sacked;            /* the receiver holds it; do not retransmit */
    uint32_t transmissions; /* 0 = not sent yet (peer epoch unknown) */
    uint64_t sent_ns;       /* last transmission */
    uint64_t deadline_ns;   /* retransmit when now >= this */
    uint16_t ip_id;         /* IPv4 id of the last copy sent; 0 after a reseal (new bytes) */
    uint64_t sealed_epoch;  /* dst_epoch, ack and sack the datagram's tag covers now */
    uint32_t sealed_ack, sealed_sack;
};

struct transport_peer {
    uint64_t epoch;                                   /* peer's boot epoch; 0 = unknown */
    uint64_t retired[TRANSPORT_RETIRED_EPOCHS];       /* past epochs, never adopted again */
    uint32_t retired_next;
    /* send side: seqs [snd_una, snd_next) are in tx[seq % TRANSPORT_WINDOW] */
    uint32_t snd_una, snd_next;
    struct transport_tx_slot tx[TRANSPORT_WINDOW];
    uint64_t srtt_ns, rttvar_ns, rto_ns;              /* RFC 6298; srtt 0 = no sample yet */
    /* receive side: every seq < rcv_next was delivered; rx[seq % W] buffers rcv_next < seq < rcv_next + W */
    uint32_t rcv_next;
    struct pbuf *rx[TRANSPORT_WINDOW];
    bool ack_due;                                     /* an ack must go out by ack_deadline_ns */
    uint64_t ack_deadline_ns;
    uint64_t last_hello_answer_ns;
    /* Messages that must not be refused (replies, cluster views) wait here, in order,
     * while the window is full; new sends are refused until it drains (FIFO kept). */
    struct pbuf *backlog_head, *backlog_tail; /* encoded with seq 0, linked by pbuf.next */
    uint32_t backlog_len;
    /* Behind a full backlog, or with too few pbufs left, such messages wait unencoded in
     * heap memory (net_env.alloc), still in order: nothing after them overtakes them. */
    struct transport_spill *spill_head, *spill_tail;
    uint32_t spill_len;
    uint64_t hello_out;    /* our HELLO counter towards this peer (any session) */
    uint64_t hello_in_max; /* highest HELLO counter heard in this session: replays are stale */
};

/* A must-deliver message waiting for the backlog to drain (struct transport_peer). */
struct transport_spill {
    struct transport_spill *next;
    uint64_t request_id;
    uint8_t type, flags;
    uint16_t len;
    uint8_t msg[]; /* len bytes */
};

struct transport_request_slot {
    uint64_t id;                /* 0 = free */
    uint32_t peer;
    transport_reply_fn done;
    void *ctx;
};

struct transport_handler_slot {
    transport_handler_fn fn;
    void *ctx;
};

struct transport {
    struct transport_mac_key mac; /* derived from the cluster secret */
    uint64_t epoch;               /* our boot epoch, random, never 0 */
    uint64_t next_request_id;
    struct transport_peer peers[NET_MAX_NODES];
    struct transport_request_slot requests[TRANSPORT_MAX_REQUESTS];
    struct transport_handler_slot handlers[TRANSPORT_TYPE_COUNT];
};

/* Sets up the state for our epoch and key; all peers unknown. */
void transport_init(struct net *n, const uint8_t key[TRANSPORT_MAC_SECRET_LEN], uint64_t epoch);
/* Gives back the heap memory of spilled messages (they are dropped): before n is freed. */
void transport_release(struct net *n);
/* Handles one UDP payload that arrived on TRANSPORT_UDP_PORT from src_ip. */
void transport_input(struct net *n, const uint8_t *dgram, size_t len, uint32_t src_ip);
/* Retransmissions and delayed acks that are due. */
void transport_poll(struct net *n, uint64_t now);
/* Earliest transport timer, UINT64_MAX if none. */
uint64_t transport_next_deadline(const struct net *n);
/* Sends an unreliable HELLO (epoch exchange / heartbeat) to peer. */
void transport_send_hello(struct net *n, uint32_t peer);
/* Sends a reliable message of a reserved type (used by the cluster layer); like a reply
 * it is queued behind a full window instead of refused. */
int transport_send_internal(struct net *n, uint32_t peer, uint8_t type, const void *msg, size_t len);
/* transport_request for a reserved type. */
int transport_request_internal(struct net *n, uint32_t peer, uint8_t type, const void *msg, size_t len,
                               transport_reply_fn done, void *ctx);

#endif
