/* SPDX-License-Identifier: MIT */
/* virtio-net (virtio 1.2 section 5.1) behind the netdev interface, over either PCI
 * transport (drivers/virtio_pci.h). One receive and one transmit queue, no offloads,
 * no mergeable buffers, no control queue. */
#ifndef DRIVERS_VIRTIO_NET_H
#define DRIVERS_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/netdev.h"
#include "drivers/pci.h"

/* True if pci is a virtio network function this driver can drive (1af4:1000 with
 * subsystem 1, or 1af4:1041). */
bool virtio_net_matches(const struct pci_device *pci);
/* Brings the device up for frames of up to mtu payload bytes; returns its netdev or NULL
 * (the reason is logged). Only one instance: a second call fails. */
struct netdev *virtio_net_probe(const struct pci_device *pci, uint16_t mtu);

#endif
