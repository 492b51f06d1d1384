/* SPDX-License-Identifier: MIT */
/* The kernel side of networking: picks the NIC (drivers/netdev.h) from the command line
 * (nic=, mtu=), declares the cluster keys (node=, nodes=, key=, ip=) and runs the
 * portable stack (net/net.h) on it: interrupt-driven while the node idles, polled with a
 * budget by wait loops that await a reply (net_glue_poll / net_glue_spin_until, which
 * spins briefly and then halts). */
#ifndef KERNEL_NET_GLUE_H
#define KERNEL_NET_GLUE_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/netdev.h"

struct net;

/* Probes the NIC chosen by nic= with mtu=, starts the stack on it and routes the NIC's
 * interrupt; a node without a NIC keeps running (logged). A bad key=/ip=/node= refuses
 * the boot (EXIT_BAD_CMDLINE). */
void net_glue_init(void);
/* The NIC in use, or NULL. */
struct netdev *net_glue_dev(void);
/* The running stack, or NULL when the node has no network. */
struct net *net_glue_net(void);
/* The node id and cluster size from node= and nodes=. */
uint32_t net_glue_node_id(void);
uint32_t net_glue_node_count(void);
/* One round of network work: up to a budget of received frames into the stack, then its
 * timers. For wait loops; safe to call at any time, but a nested call (from a message
 * handler) returns at once: handlers must never wait for network replies. */
void net_glue_poll(void);
/* When the running (or else the last) net_glue_poll began, in clock_now_ns time: a message
 * handler subtracts it from now to learn what receiving and decoding its message cost. */
uint64_t net_glue_poll_started_ns(void);
/* Waits until done(ctx) or timeout_ns have passed; returns done's last answer. Spins
 * first (net.spin_us, NIC interrupts masked, kernel timers run), then halts until the NIC
 * interrupt or a timer, whose handlers run the network. From thread context only. */
bool net_glue_spin_until(bool (*done)(void *ctx), void *ctx, uint64_t timeout_ns);
/* Logs the NIC's ring state and the stack's counters. */
void net_glue_dump(void);

#endif
