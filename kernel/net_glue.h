/* SPDX-License-Identifier: MIT */
/* The kernel side of networking: picks the NIC (drivers/netdev.h) from the command line
 * (nic=, mtu=) and declares the cluster keys (node=, nodes=, key=, ip=). */
#ifndef KERNEL_NET_GLUE_H
#define KERNEL_NET_GLUE_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/netdev.h"

/* Probes the NIC chosen by nic= with mtu=; a node without one keeps running (logged). */
void net_glue_init(void);
/* The NIC in use, or NULL. */
struct netdev *net_glue_dev(void);
/* The node id and cluster size from node= and nodes=. */
uint32_t net_glue_node_id(void);
uint32_t net_glue_node_count(void);

#endif
