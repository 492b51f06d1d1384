/* SPDX-License-Identifier: MIT */
/* Cluster formation and liveness: every node exchanges HELLOs with every peer (retried
 * until the peer's epoch is known, then as a heartbeat); node 0 (the controller) declares
 * the cluster ready once it knows every node, prints one `cluster ready` line and sends
 * the view to all. A silent peer is reported once as suspect (DESIGN.md 2 and 7). It does
 * not recover from faults: that is the upper layer's job, through the event hook. */
#ifndef NET_CLUSTER_H
#define NET_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "net/net_defs.h"

#define CLUSTER_JOIN_RETRY_NS 10000000ull          /* first gap between hellos to an unknown peer */
#define CLUSTER_JOIN_RETRY_MAX_NS 320000000ull     /* doubling up to this: a late node is not flooded */
#define CLUSTER_HEARTBEAT_PERIOD_NS 100000000ull   /* 100 ms between heartbeats */
#define CLUSTER_HEARTBEAT_TIMEOUT_NS 2000000000ull /* 2 s of silence = suspect (TCG stalls) */
#define CLUSTER_VIEW_LEN 8                          /* view: epoch u32, count u16, members u16 */

struct cluster_peer {
    uint64_t next_hello_ns;
    uint64_t join_gap_ns;   /* current retry gap while the peer is unknown */
    uint64_t last_heard_ns;
    bool known;     /* we adopted its epoch */
    bool suspected; /* reported to the hook; cleared when heard again */
};

struct cluster {
    struct cluster_peer peers[NET_MAX_NODES];
    uint32_t view_epoch; /* 0 until the view is formed */
    uint16_t members;    /* bitmap of node ids in the view */
    bool ready;
    net_peer_event_fn hook;
    void *hook_ctx;
};

/* Starts formation: hellos to every peer are due now. */
void cluster_init(struct net *n, uint64_t now);
/* Any authenticated message from peer arrived (liveness). */
void cluster_heard(struct net *n, uint32_t peer, uint64_t now);
/* The transport adopted a (new) epoch for peer. */
void cluster_peer_known(struct net *n, uint32_t peer, uint64_t now);
/* A VIEW message arrived from the controller. */
void cluster_view_input(struct net *n, uint32_t from, const uint8_t *msg, size_t len);
/* Hellos, heartbeats and suspicion that are due. */
void cluster_poll(struct net *n, uint64_t now);
/* Earliest cluster timer. */
uint64_t cluster_next_deadline(const struct net *n);

#endif
