/* SPDX-License-Identifier: MIT */
/* Virtio over PCI (virtio 1.2 section 4.1), both transports behind one set of calls:
 * legacy (BAR0 I/O header, 4.1.4.8; the transitional 1af4:1000) and modern (vendor
 * capabilities pointing into memory BARs, 4.1.4; 1af4:1041). Written once for every
 * virtio driver. MSI-X: one vector for one queue (config changes get none); otherwise the
 * driver uses INTx and the ISR. No config-change handling, no queue reset. */
#ifndef DRIVERS_VIRTIO_PCI_H
#define DRIVERS_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/pci.h"
#include "drivers/virtq.h"

#define VIRTIO_PCI_MAX_QUEUES 2 /* enough for net: receiveq1, transmitq1 */

struct virtio_pci {
    const struct pci_device *pci;
    bool modern;                    /* modern capability transport, else legacy I/O */
    uint16_t io_base;               /* legacy: BAR0 port base */
    volatile uint8_t *common;       /* modern: common configuration structure */
    volatile uint8_t *isr;          /* modern: ISR status byte */
    volatile uint8_t *device_cfg;   /* modern: device-specific configuration */
    volatile uint8_t *notify_base;  /* modern: start of the notification area */
    uint32_t notify_mult;           /* modern: notify_off_multiplier */
    volatile uint16_t *queue_notify[VIRTIO_PCI_MAX_QUEUES]; /* modern: per-queue doorbell */
    bool msix_enabled;              /* MSI-X on: legacy device config moves to 0x18 */
};

/* Finds the transport of pci (legacy if BAR0 is I/O, else modern capabilities), enables
 * decoding and bus mastering, resets the device and sets ACKNOWLEDGE|DRIVER. Returns
 * false (with a log line) if the device lacks what the transport needs. */
bool virtio_pci_init(struct virtio_pci *vp, const struct pci_device *pci);
/* The feature bits the device offers (legacy: only the low 32). */
uint64_t virtio_pci_device_features(struct virtio_pci *vp);
/* The feature bits the driver has acknowledged, read back from the device. */
uint64_t virtio_pci_driver_features(struct virtio_pci *vp);
/* Acknowledges exactly features (a subset of the offered ones); on the modern transport
 * sets FEATURES_OK and checks the device kept it. Returns false if the device refused. */
bool virtio_pci_set_features(struct virtio_pci *vp, uint64_t features);
/* Allocates DMA memory for queue index, lays vq out with min(device size, max_size)
 * entries (legacy: the device's size, which must be <= VIRTQ_MAX_SIZE) and tells the
 * device where it is. Returns false if the queue is absent or too big, or memory ran out. */
bool virtio_pci_setup_queue(struct virtio_pci *vp, uint16_t index, struct virtq *vq, uint16_t max_size);
/* Rings the doorbell of queue index. */
void virtio_pci_notify(struct virtio_pci *vp, uint16_t index);
/* Sets DRIVER_OK: the device may start using the queues. */
void virtio_pci_driver_ok(struct virtio_pci *vp);
/* Sets FAILED: the driver gave up on the device. */
void virtio_pci_fail(struct virtio_pci *vp);
/* The device status byte. */
uint8_t virtio_pci_status(struct virtio_pci *vp);
/* Enables MSI-X with table entry 0 delivering the given CPU vector for queue `queue` (no
 * vector for config changes). On failure (no MSI-X, the device refuses the vector) MSI-X
 * is left off and INTx stays in use. */
bool virtio_pci_msix_route(struct virtio_pci *vp, uint16_t queue, int vector);
/* Reads and clears the ISR status (VIRTIO_ISR_* bits); this also deasserts INTx. */
uint8_t virtio_pci_read_isr(struct virtio_pci *vp);
/* Reads one byte of the device-specific configuration. */
uint8_t virtio_pci_config_read8(struct virtio_pci *vp, uint16_t off);

#endif
