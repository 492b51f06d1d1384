/* SPDX-License-Identifier: MIT */
/* Intel 82540EM (8086:100e) driver behind the netdev interface (8254x SDM sections 13, 14).
 * Legacy descriptors, one queue each way, no offloads, no VLAN filtering. */
#ifndef DRIVERS_E1000_H
#define DRIVERS_E1000_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/netdev.h"
#include "drivers/pci.h"

/* True if pci is an 82540EM. */
bool e1000_matches(const struct pci_device *pci);
/* Resets and programs the device for frames of up to mtu payload bytes (above 1500 the
 * long-packet mode is enabled); returns its netdev or NULL (reason logged). One instance. */
struct netdev *e1000_probe(const struct pci_device *pci, uint16_t mtu);

#endif
