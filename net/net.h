/* SPDX-License-Identifier: MIT */
/* The network stack's whole interface to the kernel glue (kernel/net_glue.c) and to the
 * layers above (dsm/). Portable: the stack reaches the machine only through struct
 * net_env; it never sees which NIC is below (DESIGN.md section 6, STYLE habit 9).
 * Execution model: every call runs to completion with interrupts off; nothing blocks.
 * A caller that waits for a reply loops { driver rx poll -> net_input; net_poll; }. */
#ifndef NET_NET_H
#define NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net_defs.h"

/* Initialises n (caller-owned storage, e.g. a static struct net) for env and cfg.
 * Returns false with a reason in err on a bad configuration (node id, key length, MTU). */
bool net_init(struct net *n, const struct net_env *env, const struct net_config *cfg, char *err, size_t err_size);
/* Gives back the heap memory n holds (net_env.alloc) before its storage is reused or freed. */
void net_release(struct net *n);
/* Processes one received Ethernet frame (no FCS). Never fails: bad frames are counted. */
void net_input(struct net *n, const uint8_t *frame, size_t len);
/* Runs due timers: retransmissions, delayed acks, ARP and reassembly expiry, joins,
 * heartbeats. Cheap when nothing is due; call it from the timer and from wait loops. */
void net_poll(struct net *n);
/* The earliest time (env now_ns clock) at which net_poll has work; UINT64_MAX if none. */
uint64_t net_next_deadline_ns(const struct net *n);
/* True once the cluster view is complete (all node_count nodes joined). */
bool net_cluster_ready(const struct net *n);
/* Registers the membership event hook (one; NULL removes it). */
void net_set_peer_event_hook(struct net *n, net_peer_event_fn fn, void *ctx);
/* Logs the nonzero counters (names in net/counters.h) as lines "net: name=value ...",
 * then one line per peer "net: peer P up|suspect|unknown epoch E srtt .. rto .. ..." and
 * one "net: pbufs free=.. reasm ..." line. Drops by a rogue sender show up here. */
void net_dump_counters(const struct net *n);

/* Registers fn for messages of type (TRANSPORT_TYPE_USER_FIRST..TRANSPORT_TYPE_COUNT-1);
 * returns NET_ERR_TYPE for a reserved or out-of-range type. */
int transport_register_handler(struct net *n, uint8_t type, transport_handler_fn fn, void *ctx);
/* Queues a one-way message for reliable, exactly-once, in-order delivery to peer.
 * NET_ERR_AGAIN when the window is full (nothing queued). */
int transport_send(struct net *n, uint32_t peer, uint8_t type, const void *msg, size_t len);
/* Like transport_send, but a full window does not refuse the message: it waits in the
 * per-peer backlog (as replies do), so code that cannot wait - a handler - can send.
 * Behind a full backlog it waits in heap memory (net_env.alloc), order kept.
 * NET_ERR_AGAIN only when that runs out too (TRANSPORT_SPILL_MAX, or no heap). */
int transport_send_queued(struct net *n, uint32_t peer, uint8_t type, const void *msg, size_t len);
/* Like transport_send, and done(ctx, ...) is called exactly once with the reply. */
int transport_request(struct net *n, uint32_t peer, uint8_t type, const void *msg, size_t len,
                      transport_reply_fn done, void *ctx);
/* Answers request_id from peer (the id given to the handler). Never refused for a full
 * window: the reply then waits in a per-peer backlog, then in heap memory (order kept;
 * later sends get NET_ERR_AGAIN until it drains); NET_ERR_AGAIN only when both run out,
 * as for transport_send_queued. */
int transport_reply(struct net *n, uint32_t peer, uint64_t request_id, const void *msg, size_t len);
/* Completes every outstanding request to peer with NET_ERR_DOWN now (for fault handling
 * after NET_PEER_SUSPECT); a reply that still arrives later is counted and dropped. */
void transport_cancel_requests(struct net *n, uint32_t peer);
/* True when transport_send to peer would not return NET_ERR_AGAIN right now. */
bool transport_can_send(const struct net *n, uint32_t peer);

/* Round-trip and streaming measurement (net/net_ping.h): net_ping_start,
 * net_ping_stream_start, net_ping_busy, net_ping_result. */
#include "net/net_ping.h"

/* The full state, so callers can own the storage (no heap needed). Fields are private. */
#include "net/net_state.h"

#endif
