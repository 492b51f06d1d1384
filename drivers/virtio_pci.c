/* SPDX-License-Identifier: MIT */
/* Virtio PCI transports (virtio 1.2 4.1): the device initialisation sequence of 3.1.1
 * (reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK on modern, queues, DRIVER_OK) over
 * the legacy I/O header or the modern capabilities, and MSI-X vector assignment (4.1.4.3,
 * 4.1.5.1.2). Not here: config change interrupts, queue reset, the PCI configuration
 * access capability. */
#include "drivers/virtio_pci.h"

#include <arch/cpu.h>
#include <arch/io.h>

#include "drivers/dma.h"
#include "drivers/virtio_regs.h"
#include "kernel/irq.h"
#include "kernel/log.h"

#define VIRTIO_RESET_SPIN_LIMIT 1000000 /* 4.1.4.3.2: wait for status to read back 0 */

static uint8_t virtio_pci_cap_read8(struct virtio_pci *vp, uint8_t cap, uint8_t off)
{
    return pci_cfg_read8(vp->pci, (uint8_t)(cap + off));
}

static uint32_t virtio_pci_cap_read32(struct virtio_pci *vp, uint8_t cap, uint8_t off)
{
    return pci_cfg_read32(vp->pci, (uint8_t)(cap + off));
}

/* Maps the structure a vendor capability describes, checking it lies inside its BAR. */
static volatile uint8_t *virtio_pci_cap_map(struct virtio_pci *vp, uint8_t cap, uint32_t min_len)
{
    uint8_t bar = virtio_pci_cap_read8(vp, cap, VIRTIO_PCI_CAP_BAR);
    uint32_t offset = virtio_pci_cap_read32(vp, cap, VIRTIO_PCI_CAP_OFFSET);
    uint32_t length = virtio_pci_cap_read32(vp, cap, VIRTIO_PCI_CAP_LENGTH);
    if (bar >= PCI_BAR_COUNT || length < min_len || (uint64_t)offset + length > vp->pci->bars[bar].size)
        return NULL;
    volatile uint8_t *base = pci_bar_map(vp->pci, bar);
    return base ? base + offset : NULL;
}

static bool virtio_pci_find_modern(struct virtio_pci *vp)
{
    uint8_t notify_cap = 0;
    for (uint8_t cap = pci_cap_find(vp->pci, PCI_CAP_ID_VENDOR, 0); cap;
         cap = pci_cap_find(vp->pci, PCI_CAP_ID_VENDOR, cap)) {
        uint8_t type = virtio_pci_cap_read8(vp, cap, VIRTIO_PCI_CAP_CFG_TYPE);
        /* 4.1.4: the first capability of each type is the preferred one. */
        if (type == VIRTIO_PCI_CAP_COMMON_CFG && !vp->common)
            vp->common = virtio_pci_cap_map(vp, cap, VIRTIO_COMMON_Q_USED + 8);
        else if (type == VIRTIO_PCI_CAP_ISR_CFG && !vp->isr)
            vp->isr = virtio_pci_cap_map(vp, cap, 1);
        else if (type == VIRTIO_PCI_CAP_DEVICE_CFG && !vp->device_cfg)
            vp->device_cfg = virtio_pci_cap_map(vp, cap, 1);
        else if (type == VIRTIO_PCI_CAP_NOTIFY_CFG && !vp->notify_base) {
            vp->notify_base = virtio_pci_cap_map(vp, cap, 2);
            notify_cap = cap;
        }
    }
    if (!vp->common || !vp->isr || !vp->notify_base)
        return false;
    vp->notify_mult = virtio_pci_cap_read32(vp, notify_cap, VIRTIO_PCI_NOTIFY_CAP_MULT);
    return true;
}

static void virtio_pci_set_status(struct virtio_pci *vp, uint8_t status)
{
    if (vp->modern)
        mmio_write8(vp->common + VIRTIO_COMMON_STATUS, status);
    else
        outb((uint16_t)(vp->io_base + VIRTIO_LEGACY_DEVICE_STATUS), status);
}

uint8_t virtio_pci_status(struct virtio_pci *vp)
{
    if (vp->modern)
        return mmio_read8(vp->common + VIRTIO_COMMON_STATUS);
    return inb((uint16_t)(vp->io_base + VIRTIO_LEGACY_DEVICE_STATUS));
}

bool virtio_pci_init(struct virtio_pci *vp, const struct pci_device *pci)
{
    *vp = (struct virtio_pci){ .pci = pci };
    const struct pci_bar *bar0 = &pci->bars[0];
    if (bar0->is_io && bar0->size) {
        vp->io_base = (uint16_t)bar0->base;
        pci_enable(pci, PCI_COMMAND_IO | PCI_COMMAND_BUS_MASTER);
    } else {
        vp->modern = true;
        if (!virtio_pci_find_modern(vp)) {
            log_error("virtio: %02x:%02x.%x has neither a legacy I/O BAR nor usable modern capabilities",
                      pci->bus, pci->dev, pci->fn);
            return false;
        }
        pci_enable(pci, PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
    }
    virtio_pci_set_status(vp, 0); /* reset (2.4) */
    for (int spins = 0; spins < VIRTIO_RESET_SPIN_LIMIT && virtio_pci_status(vp) != 0; spins++)
        cpu_pause();
    virtio_pci_set_status(vp, VIRTIO_STATUS_ACKNOWLEDGE);
    virtio_pci_set_status(vp, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    return true;
}

uint64_t virtio_pci_device_features(struct virtio_pci *vp)
{
    if (!vp->modern)
        return inl((uint16_t)(vp->io_base + VIRTIO_LEGACY_DEVICE_FEATURES));
    mmio_write32(vp->common + VIRTIO_COMMON_DFSELECT, 0);
    uint64_t low = mmio_read32(vp->common + VIRTIO_COMMON_DF);
    mmio_write32(vp->common + VIRTIO_COMMON_DFSELECT, 1);
    uint64_t high = mmio_read32(vp->common + VIRTIO_COMMON_DF);
    return high << 32 | low;
}

uint64_t virtio_pci_driver_features(struct virtio_pci *vp)
{
    if (!vp->modern)
        return inl((uint16_t)(vp->io_base + VIRTIO_LEGACY_DRIVER_FEATURES));
    mmio_write32(vp->common + VIRTIO_COMMON_GFSELECT, 0);
    uint64_t low = mmio_read32(vp->common + VIRTIO_COMMON_GF);
    mmio_write32(vp->common + VIRTIO_COMMON_GFSELECT, 1);
    uint64_t high = mmio_read32(vp->common + VIRTIO_COMMON_GF);
    return high << 32 | low;
}

bool virtio_pci_set_features(struct virtio_pci *vp, uint64_t features)
{
    if (!vp->modern) {
        /* Legacy has no FEATURES_OK handshake (3.1.2). */
        outl((uint16_t)(vp->io_base + VIRTIO_LEGACY_DRIVER_FEATURES), (uint32_t)features);
        return (features >> 32) == 0;
    }
    mmio_write32(vp->common + VIRTIO_COMMON_GFSELECT, 0);
    mmio_write32(vp->common + VIRTIO_COMMON_GF, (uint32_t)features);
    mmio_write32(vp->common + VIRTIO_COMMON_GFSELECT, 1);
    mmio_write32(vp->common + VIRTIO_COMMON_GF, (uint32_t)(features >> 32));
    uint8_t status = virtio_pci_status(vp);
    virtio_pci_set_status(vp, (uint8_t)(status | VIRTIO_STATUS_FEATURES_OK));
    return (virtio_pci_status(vp) & VIRTIO_STATUS_FEATURES_OK) != 0;
}

static uint16_t virtio_pci_pick_size(uint16_t device_max, uint16_t max_size)
{
    uint16_t size = VIRTQ_MAX_SIZE;
    while (size > device_max || size > max_size)
        size >>= 1;
    return size;
}

bool virtio_pci_setup_queue(struct virtio_pci *vp, uint16_t index, struct virtq *vq, uint16_t max_size)
{
    if (index >= VIRTIO_PCI_MAX_QUEUES)
        return false;
    uint16_t device_size;
    if (vp->modern) {
        mmio_write16(vp->common + VIRTIO_COMMON_Q_SELECT, index);
        device_size = mmio_read16(vp->common + VIRTIO_COMMON_Q_SIZE);
    } else {
        outw((uint16_t)(vp->io_base + VIRTIO_LEGACY_QUEUE_SELECT), index);
        device_size = inw((uint16_t)(vp->io_base + VIRTIO_LEGACY_QUEUE_SIZE));
    }
    if (device_size == 0)
        return false;
    /* Legacy devices fix the size; modern ones accept any power of two up to theirs. */
    uint16_t size = vp->modern ? virtio_pci_pick_size(device_size, max_size) : device_size;
    if (size == 0 || size > VIRTQ_MAX_SIZE) {
        log_error("virtio: queue %u has size %u, above the %u this driver supports", index, device_size,
                  VIRTQ_MAX_SIZE);
        return false;
    }
    uint64_t phys;
    void *mem = dma_alloc(virtq_ring_bytes(size), VIRTQ_LEGACY_ALIGN, &phys);
    if (!mem || !virtq_init(vq, size, mem, phys))
        return false;
    if (!vp->modern) {
        outl((uint16_t)(vp->io_base + VIRTIO_LEGACY_QUEUE_PFN), (uint32_t)(phys >> VIRTIO_LEGACY_PFN_SHIFT));
        return true;
    }
    mmio_write16(vp->common + VIRTIO_COMMON_Q_SIZE, size);
    mmio_write16(vp->common + VIRTIO_COMMON_Q_MSIX, VIRTIO_MSI_NO_VECTOR);
    /* 64-bit fields as two 32-bit halves (4.1.3.1), which every device accepts. */
    mmio_write32(vp->common + VIRTIO_COMMON_Q_DESC, (uint32_t)vq->desc_phys);
    mmio_write32(vp->common + VIRTIO_COMMON_Q_DESC + 4, (uint32_t)(vq->desc_phys >> 32));
    mmio_write32(vp->common + VIRTIO_COMMON_Q_AVAIL, (uint32_t)vq->avail_phys);
    mmio_write32(vp->common + VIRTIO_COMMON_Q_AVAIL + 4, (uint32_t)(vq->avail_phys >> 32));
    mmio_write32(vp->common + VIRTIO_COMMON_Q_USED, (uint32_t)vq->used_phys);
    mmio_write32(vp->common + VIRTIO_COMMON_Q_USED + 4, (uint32_t)(vq->used_phys >> 32));
    uint16_t notify_off = mmio_read16(vp->common + VIRTIO_COMMON_Q_NOFF);
    vp->queue_notify[index] = (volatile uint16_t *)(vp->notify_base + (uint64_t)notify_off * vp->notify_mult);
    mmio_write16(vp->common + VIRTIO_COMMON_Q_ENABLE, 1);
    return true;
}

void virtio_pci_notify(struct virtio_pci *vp, uint16_t index)
{
    if (vp->modern)
        mmio_write16(vp->queue_notify[index], index);
    else
        outw((uint16_t)(vp->io_base + VIRTIO_LEGACY_QUEUE_NOTIFY), index);
}

void virtio_pci_driver_ok(struct virtio_pci *vp)
{
    virtio_pci_set_status(vp, (uint8_t)(virtio_pci_status(vp) | VIRTIO_STATUS_DRIVER_OK));
}

void virtio_pci_fail(struct virtio_pci *vp)
{
    virtio_pci_set_status(vp, (uint8_t)(virtio_pci_status(vp) | VIRTIO_STATUS_FAILED));
}

uint8_t virtio_pci_read_isr(struct virtio_pci *vp)
{
    if (vp->modern)
        return mmio_read8(vp->isr);
    return inb((uint16_t)(vp->io_base + VIRTIO_LEGACY_ISR));
}

uint8_t virtio_pci_config_read8(struct virtio_pci *vp, uint16_t off)
{
    if (vp->modern)
        return vp->device_cfg ? mmio_read8(vp->device_cfg + off) : 0;
    uint16_t base = vp->msix_enabled ? VIRTIO_LEGACY_DEVICE_CONFIG_MSIX : VIRTIO_LEGACY_DEVICE_CONFIG;
    return inb((uint16_t)(vp->io_base + base + off));
}

/* Writes the vector of the config space (queue == NULL) or of one queue, and reads it back:
 * a device that cannot map it answers VIRTIO_MSI_NO_VECTOR (4.1.5.1.2.1). */
static bool virtio_pci_set_vector(struct virtio_pci *vp, const uint16_t *queue, uint16_t vector)
{
    if (vp->modern) {
        if (!queue) {
            mmio_write16(vp->common + VIRTIO_COMMON_MSIX, vector);
            return mmio_read16(vp->common + VIRTIO_COMMON_MSIX) == vector;
        }
        mmio_write16(vp->common + VIRTIO_COMMON_Q_SELECT, *queue);
        mmio_write16(vp->common + VIRTIO_COMMON_Q_MSIX, vector);
        return mmio_read16(vp->common + VIRTIO_COMMON_Q_MSIX) == vector;
    }
    uint16_t reg = VIRTIO_LEGACY_MSIX_CONFIG_VECTOR;
    if (queue) {
        outw((uint16_t)(vp->io_base + VIRTIO_LEGACY_QUEUE_SELECT), *queue);
        reg = VIRTIO_LEGACY_MSIX_QUEUE_VECTOR;
    }
    outw((uint16_t)(vp->io_base + reg), vector);
    return inw((uint16_t)(vp->io_base + reg)) == vector;
}

bool virtio_pci_msix_route(struct virtio_pci *vp, uint16_t queue, int vector)
{
    const uint16_t entry = 0;
    uint64_t address;
    uint32_t data;
    if (!vp->pci->msix_cap || vector < 0)
        return false;
    irq_msi_message(vector, &address, &data);
    if (!pci_msix_set_entry(vp->pci, entry, address, data))
        return false;
    pci_msix_enable(vp->pci, true);
    vp->msix_enabled = true; /* the legacy header grows by the two vector registers from here */
    if (virtio_pci_set_vector(vp, NULL, VIRTIO_MSI_NO_VECTOR) && virtio_pci_set_vector(vp, &queue, entry))
        return true;
    pci_msix_enable(vp->pci, false);
    vp->msix_enabled = false;
    return false;
}
