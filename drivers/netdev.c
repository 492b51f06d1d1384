/* SPDX-License-Identifier: MIT */
/* NIC selection: walks the PCI functions in scan order and brings up the first one a
 * driver claims (or the first of the kind asked for). Only one NIC per node is used. */
#include "drivers/netdev.h"

#include "drivers/e1000.h"
#include "drivers/pci.h"
#include "drivers/virtio_net.h"
#include "kernel/format.h"
#include "kernel/libc.h"
#include "kernel/log.h"

static struct netdev *netdev_active;

static bool netdev_kind_wanted(const char *nic, const char *kind)
{
    return strcmp(nic, "auto") == 0 || strcmp(nic, kind) == 0;
}

struct netdev *netdev_probe(const char *nic, uint16_t mtu)
{
    if (netdev_active)
        return netdev_active;
    for (size_t i = 0; i < pci_device_count(); i++) {
        const struct pci_device *pci = pci_device_at(i);
        struct netdev *dev = NULL;
        if (virtio_net_matches(pci) && netdev_kind_wanted(nic, "virtio"))
            dev = virtio_net_probe(pci, mtu);
        else if (e1000_matches(pci) && netdev_kind_wanted(nic, "e1000"))
            dev = e1000_probe(pci, mtu);
        if (dev) {
            netdev_active = dev;
            return dev;
        }
    }
    return NULL;
}

struct netdev *netdev_get(void)
{
    return netdev_active;
}

void netdev_format_mac(const uint8_t mac[NETDEV_MAC_LEN], char *out, size_t out_size)
{
    fmt_snprintf(out, out_size, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}
