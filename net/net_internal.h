/* SPDX-License-Identifier: MIT */
/* Entry points shared by the stack's own files (not for the glue or the DSM): the IPv4
 * output path and logging through the environment. */
#ifndef NET_NET_INTERNAL_H
#define NET_NET_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "net/net.h"

/* Sends b's bytes as one UDP datagram on TRANSPORT_UDP_PORT to dst_ip, fragmenting at
 * the MTU. b is unchanged on return (headers are pushed and pulled again), so it can be
 * sent again. ip_id: NULL for a fresh IPv4 identification; else *ip_id is used if
 * nonzero and set to the one used if zero - the caller passes it again when it resends
 * the very same bytes, so the receiver can combine the fragments of both copies
 * (RFC 791 section 3.2; RFC 6864 section 4.1). False if the next hop is unresolved (an
 * ARP request goes out) or the driver refused a frame; both counted. */
bool net_send_udp(struct net *n, uint32_t dst_ip, struct pbuf *b, uint16_t *ip_id);
/* Sends b's bytes as the payload of one IPv4 datagram (fragmented at the MTU when
 * needed); b is unchanged on return; ip_id as for net_send_udp. False if unresolved or
 * refused (counted). */
bool net_send_ipv4(struct net *n, uint32_t dst_ip, uint8_t protocol, struct pbuf *b, uint16_t *ip_id);
/* Sends an ARP packet to dst_mac. */
void net_send_arp(struct net *n, const uint8_t *dst_mac, uint16_t op, const uint8_t *target_mac, uint32_t target_ip);
/* Formats one line and gives it to env.log_line. */
void net_log(const struct net *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The address we expect peer to use (learned from its authenticated traffic). */
uint32_t net_peer_ip(const struct net *n, uint32_t peer);
/* Records where an authenticated message from peer came from. */
void net_peer_ip_learn(struct net *n, uint32_t peer, uint32_t ip);
/* Fills the ping responder's reply pattern (net_ping.c). */
void net_ping_init(struct net *n);
/* Keeps a stream run's window full and notices its end. */
void net_ping_poll(struct net *n);
/* A delivered PING request or STREAM message. */
void net_ping_input(struct net *n, uint32_t from, uint8_t type, const uint8_t *msg, size_t len, uint64_t request_id);
/* The environment's clock. */
static inline uint64_t net_now(const struct net *n) { return n->env.now_ns(n->env.ctx); }

#endif
