/* SPDX-License-Identifier: MIT */
/* PCI bus: configuration mechanism #1 (ports 0xCF8/0xCFC, PCI Local Bus 3.0 section 3.2.2.3.2),
 * a one-time scan of every bus/device/function, BAR decoding and sizing, the capability list.
 * Does not do PCIe extended config space (ECAM), hot plug or BAR re-assignment: the firmware
 * (SeaBIOS) has placed the BARs and we keep them where they are. */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Configuration header offsets (PCI 3.0 section 6.1, type 0 header). */
#define PCI_CFG_VENDOR_ID 0x00
#define PCI_CFG_DEVICE_ID 0x02
#define PCI_CFG_COMMAND 0x04
#define PCI_CFG_STATUS 0x06
#define PCI_CFG_REVISION 0x08
#define PCI_CFG_PROG_IF 0x09
#define PCI_CFG_SUBCLASS 0x0a
#define PCI_CFG_CLASS 0x0b
#define PCI_CFG_HEADER_TYPE 0x0e
#define PCI_CFG_BAR0 0x10
#define PCI_CFG_SUBSYS_VENDOR 0x2c
#define PCI_CFG_SUBSYS_ID 0x2e
#define PCI_CFG_CAP_PTR 0x34
#define PCI_CFG_INTERRUPT_LINE 0x3c
#define PCI_CFG_INTERRUPT_PIN 0x3d

/* Command register bits (PCI 3.0 section 6.2.2), RW. */
#define PCI_COMMAND_IO (1u << 0)
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_BUS_MASTER (1u << 2)
#define PCI_COMMAND_INTX_DISABLE (1u << 10)

/* Status register: a capability list is present (RO). */
#define PCI_STATUS_CAP_LIST (1u << 4)

/* Capability IDs (PCI Code and ID Assignment 1.11, section 2). */
#define PCI_CAP_ID_PM 0x01
#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_VENDOR 0x09
#define PCI_CAP_ID_PCIE 0x10
#define PCI_CAP_ID_MSIX 0x11

/* MSI-X capability (PCI 3.0 section 6.8.2): message control at +2, table at +4. */
#define PCI_MSIX_CONTROL 2
#define PCI_MSIX_CONTROL_TABLE_SIZE_MASK 0x07ffu /* RO: entries - 1 */
#define PCI_MSIX_CONTROL_FUNCTION_MASK (1u << 14)
#define PCI_MSIX_CONTROL_ENABLE (1u << 15)
#define PCI_MSIX_TABLE 4                  /* RO: table offset | BIR */
#define PCI_MSIX_BIR_MASK 0x7u
#define PCI_MSIX_ENTRY_SIZE 16            /* table entry: address low, high, data, control */
#define PCI_MSIX_ENTRY_ADDR_LO 0
#define PCI_MSIX_ENTRY_ADDR_HI 4
#define PCI_MSIX_ENTRY_DATA 8
#define PCI_MSIX_ENTRY_CONTROL 12
#define PCI_MSIX_ENTRY_CONTROL_MASKED 1u  /* RW: vector masked */

#define PCI_BAR_COUNT 6
#define PCI_VENDOR_NONE 0xffff /* what an absent function reads as */

struct pci_bar {
    uint64_t base;     /* bus address (== physical here); 0 when the BAR is unused */
    uint64_t size;     /* bytes decoded, from the sizing probe */
    bool is_io;        /* I/O space (base is a port number) rather than memory */
    bool is_64;        /* 64-bit memory BAR: the next BAR slot holds the high half */
    bool prefetchable;
};

struct pci_device {
    uint8_t bus, dev, fn;
    uint16_t vendor_id, device_id;
    uint16_t subsys_vendor, subsys_id;
    uint8_t class_code, subclass, prog_if, revision;
    uint8_t header_type;       /* low 7 bits; 0 = device, 1 = PCI bridge */
    uint8_t irq_line, irq_pin; /* firmware's legacy routing (ISA IRQ), pin 1..4 or 0 */
    uint8_t msi_cap, msix_cap; /* config offsets of those capabilities, 0 if absent */
    struct pci_bar bars[PCI_BAR_COUNT];
};

/* Scans all 256 buses and logs one line per function found. Call once at boot. */
void pci_init(void);
/* Number of functions the scan found. */
size_t pci_device_count(void);
/* The i-th function found (scan order), or NULL past the end. */
const struct pci_device *pci_device_at(size_t i);
/* The index-th function with this vendor and device id, or NULL. */
const struct pci_device *pci_find(uint16_t vendor_id, uint16_t device_id, size_t index);

/* Configuration space accessors; off must be naturally aligned for the width. */
uint8_t pci_cfg_read8(const struct pci_device *d, uint8_t off);
uint16_t pci_cfg_read16(const struct pci_device *d, uint8_t off);
uint32_t pci_cfg_read32(const struct pci_device *d, uint8_t off);
void pci_cfg_write16(const struct pci_device *d, uint8_t off, uint16_t value);
void pci_cfg_write32(const struct pci_device *d, uint8_t off, uint32_t value);

/* Sets the given PCI_COMMAND_* bits (decode and bus mastering) in the command register. */
void pci_enable(const struct pci_device *d, uint16_t command_bits);
/* Offset of the first capability with this id at or after the one at `after` (0 = from the
 * start of the list), or 0 if none. The walk is bounded, so a looping list ends. */
uint8_t pci_cap_find(const struct pci_device *d, uint8_t cap_id, uint8_t after);
/* Routes the function's legacy INTx line (the ISA IRQ the firmware wrote to
 * INTERRUPT_LINE, level-triggered as PCI requires) to fn(ctx); returns the vector or -1. */
int pci_route_intx(const struct pci_device *d, void (*fn)(void *ctx), void *ctx);
/* Programs MSI-X table entry `entry` with an MSI address/data pair and unmasks it; false
 * if the function has no MSI-X, the entry is past its table, or the table cannot be mapped. */
bool pci_msix_set_entry(const struct pci_device *d, unsigned entry, uint64_t address, uint32_t data);
/* Turns MSI-X on (INTx off) or off (INTx back on) for the function. */
void pci_msix_enable(const struct pci_device *d, bool on);
/* Maps memory BAR `bar` uncached and returns its virtual address, or NULL if the BAR is
 * absent or an I/O BAR. */
volatile void *pci_bar_map(const struct pci_device *d, unsigned bar);

#endif
