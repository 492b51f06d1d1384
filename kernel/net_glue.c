/* SPDX-License-Identifier: MIT */
/* Binds the NIC to the rest of the kernel: the command-line keys of the network
 * (DESIGN.md 2: node= nodes= key= ip=, and nic= mtu=), NIC selection at boot. The
 * portable stack (net/net.h) is attached here once it is in the tree. */
#include "kernel/net_glue.h"

#include "drivers/netdev.h"
#include "kernel/cmdline.h"
#include "kernel/libc.h"
#include "kernel/log.h"

#define NET_GLUE_MAX_NODES 16        /* net/net.h NET_MAX_NODES */
#define NET_GLUE_MTU_MIN 576         /* RFC 791 */
#define NET_GLUE_KEY_BYTES 16        /* SipHash-2-4 key (net/net.h NET_KEY_MIN) */
#define NET_GLUE_IP_TEXT_MAX 16      /* "255.255.255.255" */

static uint64_t net_node_id;
CMDLINE_PARAM_U64(net_node_id, "node", 0, NET_GLUE_MAX_NODES - 1, "this node's id (0 = controller)");
static uint64_t net_node_count = 1;
CMDLINE_PARAM_U64(net_node_count, "nodes", 1, NET_GLUE_MAX_NODES, "number of nodes in the cluster");
static uint8_t net_key[NET_GLUE_KEY_BYTES];
CMDLINE_PARAM_HEX(net_key, "key", "cluster secret, 32 hex digits");
static char net_ip_text[NET_GLUE_IP_TEXT_MAX];
CMDLINE_PARAM_STRING(net_ip_text, "ip", "this node's IPv4 address (default 10.77.0.(10+node))");
static uint64_t net_mtu = NETDEV_MTU_DEFAULT;
CMDLINE_PARAM_U64(net_mtu, "mtu", NET_GLUE_MTU_MIN, NETDEV_MTU_MAX, "link MTU (bytes of IP per frame)");
static const char *const net_nic_names[] = { "auto", "virtio", "e1000", NULL };
static unsigned net_nic_choice;
CMDLINE_PARAM_CHOICE(net_nic_choice, "nic", net_nic_names, "which NIC driver to use: auto, virtio or e1000");

static struct netdev *net_dev;

void net_glue_init(void)
{
    net_dev = netdev_probe(net_nic_names[net_nic_choice], (uint16_t)net_mtu);
    if (!net_dev) {
        log_warn("net: no supported NIC (nic=%s); this node has no network", net_nic_names[net_nic_choice]);
        return;
    }
    char mac[18];
    netdev_format_mac(net_dev->mac, mac, sizeof mac);
    log_info("net: node %llu of %llu on %s %s mtu %u", (unsigned long long)net_node_id,
             (unsigned long long)net_node_count, net_dev->name, mac, net_dev->mtu);
}

struct netdev *net_glue_dev(void)
{
    return net_dev;
}

uint32_t net_glue_node_id(void)
{
    return (uint32_t)net_node_id;
}

uint32_t net_glue_node_count(void)
{
    return (uint32_t)net_node_count;
}
