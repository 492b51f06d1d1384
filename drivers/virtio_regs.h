/* SPDX-License-Identifier: MIT */
/* Virtio register layouts and bits (virtio 1.2): device status (2.1), feature bits (6,
 * 5.1.3), the legacy PCI I/O header (4.1.4.8), the modern PCI capabilities (4.1.4) and
 * the net device's header and config (5.1.4, 5.1.6). Names only; no logic. */
#ifndef DRIVERS_VIRTIO_REGS_H
#define DRIVERS_VIRTIO_REGS_H

#include <stdint.h>

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEVICE_NET_TRANSITIONAL 0x1000 /* 4.1.2.3: legacy-capable, subsystem id 1 */
#define VIRTIO_PCI_DEVICE_NET_MODERN 0x1041       /* 4.1.2.1: 0x1040 + device type 1 */
#define VIRTIO_PCI_SUBSYS_NET 1                   /* transitional devices: subsystem id = type */

/* Device status (2.1), RW by the driver; writing 0 resets the device. */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01
#define VIRTIO_STATUS_DRIVER 0x02
#define VIRTIO_STATUS_DRIVER_OK 0x04
#define VIRTIO_STATUS_FEATURES_OK 0x08
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

/* Feature bits we may acknowledge (6, 5.1.3). */
#define VIRTIO_NET_F_MTU (1ull << 3)        /* config.mtu is valid */
#define VIRTIO_NET_F_MAC (1ull << 5)        /* config.mac is valid */
#define VIRTIO_NET_F_MRG_RXBUF (1ull << 15) /* never acked: one buffer per frame */
#define VIRTIO_F_VERSION_1 (1ull << 32)     /* modern device: little-endian, 12-byte net header */

/* Legacy PCI header in BAR0 I/O space (4.1.4.8), MSI-X disabled. */
#define VIRTIO_LEGACY_DEVICE_FEATURES 0x00 /* R, 32 bits */
#define VIRTIO_LEGACY_DRIVER_FEATURES 0x04 /* RW, 32 bits */
#define VIRTIO_LEGACY_QUEUE_PFN 0x08       /* RW, 32 bits: ring address >> 12 */
#define VIRTIO_LEGACY_QUEUE_SIZE 0x0c      /* R, 16 bits */
#define VIRTIO_LEGACY_QUEUE_SELECT 0x0e    /* RW, 16 bits */
#define VIRTIO_LEGACY_QUEUE_NOTIFY 0x10    /* W, 16 bits: queue index */
#define VIRTIO_LEGACY_DEVICE_STATUS 0x12   /* RW, 8 bits */
#define VIRTIO_LEGACY_ISR 0x13             /* R, 8 bits, read-to-clear */
#define VIRTIO_LEGACY_DEVICE_CONFIG 0x14   /* device config when MSI-X is off */
#define VIRTIO_LEGACY_MSIX_CONFIG_VECTOR 0x14 /* RW, 16 bits, only while MSI-X is on */
#define VIRTIO_LEGACY_MSIX_QUEUE_VECTOR 0x16  /* RW, 16 bits, for the selected queue */
#define VIRTIO_LEGACY_DEVICE_CONFIG_MSIX 0x18 /* device config while MSI-X is on */
#define VIRTIO_LEGACY_PFN_SHIFT 12

/* Modern: vendor-specific capability (4.1.4), offsets within the PCI capability. */
#define VIRTIO_PCI_CAP_CFG_TYPE 3  /* u8 */
#define VIRTIO_PCI_CAP_BAR 4       /* u8 */
#define VIRTIO_PCI_CAP_OFFSET 8    /* le32 */
#define VIRTIO_PCI_CAP_LENGTH 12   /* le32 */
#define VIRTIO_PCI_NOTIFY_CAP_MULT 16 /* le32 notify_off_multiplier (4.1.4.4) */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4

/* Modern common configuration structure (4.1.4.3), in the BAR the capability names. */
#define VIRTIO_COMMON_DFSELECT 0x00    /* RW le32 */
#define VIRTIO_COMMON_DF 0x04          /* R le32 */
#define VIRTIO_COMMON_GFSELECT 0x08    /* RW le32 */
#define VIRTIO_COMMON_GF 0x0c          /* RW le32 */
#define VIRTIO_COMMON_MSIX 0x10        /* RW le16 */
#define VIRTIO_COMMON_NUMQ 0x12        /* R le16 */
#define VIRTIO_COMMON_STATUS 0x14      /* RW u8 */
#define VIRTIO_COMMON_CFGGENERATION 0x15 /* R u8 */
#define VIRTIO_COMMON_Q_SELECT 0x16    /* RW le16 */
#define VIRTIO_COMMON_Q_SIZE 0x18      /* RW le16 */
#define VIRTIO_COMMON_Q_MSIX 0x1a      /* RW le16 */
#define VIRTIO_COMMON_Q_ENABLE 0x1c    /* RW le16 */
#define VIRTIO_COMMON_Q_NOFF 0x1e      /* R le16 */
#define VIRTIO_COMMON_Q_DESC 0x20      /* RW le64 */
#define VIRTIO_COMMON_Q_AVAIL 0x28     /* RW le64 */
#define VIRTIO_COMMON_Q_USED 0x30      /* RW le64 */
#define VIRTIO_MSI_NO_VECTOR 0xffff

/* ISR status bits (4.1.4.5), read-to-clear. */
#define VIRTIO_ISR_QUEUE 0x1
#define VIRTIO_ISR_CONFIG 0x2

/* virtio-net device configuration (5.1.4). */
#define VIRTIO_NET_CFG_MAC 0x00    /* u8[6] */
#define VIRTIO_NET_CFG_STATUS 0x06 /* le16 */
#define VIRTIO_NET_CFG_MTU 0x0a    /* le16, with VIRTIO_NET_F_MTU */

#define VIRTIO_NET_QUEUE_RX 0 /* receiveq1 (5.1.2) */
#define VIRTIO_NET_QUEUE_TX 1 /* transmitq1 */

/* The header before every frame (5.1.6). Without offloads it stays zero on transmit. */
struct virtio_net_hdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
    uint16_t num_buffers; /* present with VERSION_1 or MRG_RXBUF only */
};
_Static_assert(sizeof(struct virtio_net_hdr) == 12, "virtio 1.2 5.1.6");
#define VIRTIO_NET_HDR_LEN_LEGACY 10 /* legacy without MRG_RXBUF: num_buffers absent */
#define VIRTIO_NET_HDR_LEN_MODERN 12

#endif
