/* SPDX-License-Identifier: MIT */
/* Named counters of the network stack: every drop has its own name, so a dump tells
 * what a peer (or a rogue sender) did. One X-macro list feeds the struct and the dump. */
#ifndef NET_COUNTERS_H
#define NET_COUNTERS_H

#include <stdint.h>

#define NET_COUNTER_LIST(X)                                                                    \
    X(rx_frames)          /* frames given to net_input */                                       \
    X(rx_eth_malformed)   /* shorter than a header, or an 802.3 length frame */                 \
    X(rx_eth_not_ours)    /* destination neither our MAC nor broadcast */                       \
    X(rx_eth_other_type)  /* neither IPv4 nor ARP */                                            \
    X(arp_malformed)                                                                            \
    X(arp_requests_in)                                                                          \
    X(arp_replies_out)                                                                          \
    X(arp_requests_out)                                                                         \
    X(arp_unresolved)     /* datagram dropped because the next hop MAC is unknown */            \
    X(ip_malformed)                                                                             \
    X(ip_bad_checksum)                                                                          \
    X(ip_not_ours)        /* destination is not our address */                                 \
    X(ip_other_proto)                                                                           \
    X(ip_frag_dropped)    /* fragment refused by reassembly (see reasm counters) */             \
    X(ip_reassembled)                                                                           \
    X(udp_malformed)                                                                            \
    X(udp_bad_checksum)                                                                         \
    X(udp_other_port)                                                                           \
    X(icmp_malformed)                                                                           \
    X(icmp_other_type)                                                                          \
    X(icmp_echo_replies)                                                                        \
    X(tx_frames)                                                                                \
    X(tx_fragments)                                                                             \
    X(tx_failed)          /* the driver refused a frame */                                      \
    X(tp_malformed)       /* transport header or field rules broken */                          \
    X(tp_bad_mac)         /* tag mismatch: forged or corrupted */                               \
    X(tp_not_member)      /* src/dst node or source address not in the cluster */               \
    X(tp_stale_epoch)     /* addressed to another boot of ours, or from a retired boot */       \
    X(tp_duplicate)       /* already delivered or buffered (replay or network duplicate) */     \
    X(tp_out_of_window)   /* sequence too far ahead */                                          \
    X(tp_no_buffer)       /* out-of-order message dropped for lack of a pbuf */                 \
    X(tp_delivered)       /* messages handed to the upper layer, exactly once */                \
    X(tp_sent)            /* new DATA messages */                                               \
    X(tp_retransmits)                                                                           \
    X(tp_acks_out)        /* pure ACK datagrams */                                              \
    X(tp_hellos_out)                                                                            \
    X(tp_hellos_in)                                                                             \
    X(tp_no_handler)      /* delivered message of an unregistered type */                       \
    X(tp_refusals_out)    /* ... of them requests, answered with a no-handler reply */          \
    X(tp_refusals_in)     /* our requests the peer had no handler for */                        \
    X(tp_bad_reply)       /* reply to an unknown request id */                                  \
    X(tp_spilled)         /* must-deliver messages kept in heap memory behind a full backlog */ \
    X(tp_spill_refused)   /* ... refused: the spill was full or the heap empty (NET_ERR_AGAIN) */ \
    X(tp_peer_restarts)   /* a peer came back with a new epoch */                               \
    X(cluster_suspects)   /* heartbeat timeouts */

struct net_counters {
#define NET_COUNTER_FIELD(name) uint64_t name;
    NET_COUNTER_LIST(NET_COUNTER_FIELD)
#undef NET_COUNTER_FIELD
};

#endif
