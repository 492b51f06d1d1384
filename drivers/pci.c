/* SPDX-License-Identifier: MIT */
/* PCI enumeration through configuration mechanism #1 (PCI Local Bus 3.0 section 3.2.2.3.2)
 * and BAR sizing (section 6.2.5.1). A brute-force scan of all 256 buses x 32 devices: with
 * ~8k config reads it costs well under a millisecond and needs no bridge walking. Functions
 * 1..7 are probed only when function 0 sets the multifunction bit. No ECAM, no re-assignment. */
#include "drivers/pci.h"

#include <arch/io.h>

#include "kernel/format.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/mm.h"

#define PCI_CONFIG_ADDRESS 0xcf8 /* W: enable | bus | device | function | register */
#define PCI_CONFIG_DATA 0xcfc    /* RW: the selected dword */
#define PCI_ADDRESS_ENABLE (1u << 31)
#define PCI_ADDRESS_BUS_SHIFT 16
#define PCI_ADDRESS_DEV_SHIFT 11
#define PCI_ADDRESS_FN_SHIFT 8
#define PCI_ADDRESS_REG_MASK 0xfcu

#define PCI_BUS_COUNT 256
#define PCI_DEV_COUNT 32
#define PCI_FN_COUNT 8
#define PCI_HEADER_MULTIFUNCTION 0x80u
#define PCI_HEADER_TYPE_MASK 0x7fu
#define PCI_HEADER_TYPE_DEVICE 0

/* BAR low bits (PCI 3.0 section 6.2.5.1). */
#define PCI_BAR_IO_SPACE 0x1u
#define PCI_BAR_IO_MASK 0xfffffffcu
#define PCI_BAR_MEM_TYPE_MASK 0x6u
#define PCI_BAR_MEM_TYPE_64 0x4u
#define PCI_BAR_MEM_PREFETCH 0x8u
#define PCI_BAR_MEM_MASK 0xfffffff0u
#define PCI_IO_DECODE_LIMIT 0xffffu /* x86 port space is 16 bits */

#define PCI_CAP_LIST_MASK 0xfcu /* capability pointers are dword aligned; low bits reserved */
#define PCI_CAP_WALK_LIMIT 48   /* (256 - 64) / 4: more entries than that means a loop */

#define PCI_INTERRUPT_LINE_NONE 0xff /* PCI 3.0 6.2.4: "unknown or not connected" */
#define PCI_ISA_IRQ_COUNT 16

#define PCI_MAX_DEVICES 64 /* QEMU's pc machine shows ~6; plenty of room */

static struct pci_device pci_devices[PCI_MAX_DEVICES];
static size_t pci_count;
static size_t pci_overflow; /* functions seen but not recorded */

static uint32_t pci_address(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
    return PCI_ADDRESS_ENABLE | (uint32_t)bus << PCI_ADDRESS_BUS_SHIFT | (uint32_t)dev << PCI_ADDRESS_DEV_SHIFT |
           (uint32_t)fn << PCI_ADDRESS_FN_SHIFT | (off & PCI_ADDRESS_REG_MASK);
}

static uint32_t pci_raw_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
    outl(PCI_CONFIG_ADDRESS, pci_address(bus, dev, fn, off));
    return inl(PCI_CONFIG_DATA);
}

static void pci_raw_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, uint32_t value)
{
    outl(PCI_CONFIG_ADDRESS, pci_address(bus, dev, fn, off));
    outl(PCI_CONFIG_DATA, value);
}

uint32_t pci_cfg_read32(const struct pci_device *d, uint8_t off)
{
    return pci_raw_read32(d->bus, d->dev, d->fn, off);
}

uint16_t pci_cfg_read16(const struct pci_device *d, uint8_t off)
{
    return (uint16_t)(pci_cfg_read32(d, off) >> ((off & 2u) * 8));
}

uint8_t pci_cfg_read8(const struct pci_device *d, uint8_t off)
{
    return (uint8_t)(pci_cfg_read32(d, off) >> ((off & 3u) * 8));
}

void pci_cfg_write32(const struct pci_device *d, uint8_t off, uint32_t value)
{
    pci_raw_write32(d->bus, d->dev, d->fn, off, value);
}

/* A 16-bit write through the 16-bit data port window, so the neighbouring half (e.g. the
 * status register's write-1-to-clear bits next to command) is not written back. */
void pci_cfg_write16(const struct pci_device *d, uint8_t off, uint16_t value)
{
    outl(PCI_CONFIG_ADDRESS, pci_address(d->bus, d->dev, d->fn, off));
    outw((uint16_t)(PCI_CONFIG_DATA + (off & 2u)), value);
}

void pci_enable(const struct pci_device *d, uint16_t command_bits)
{
    uint16_t cmd = pci_cfg_read16(d, PCI_CFG_COMMAND);
    pci_cfg_write16(d, PCI_CFG_COMMAND, (uint16_t)(cmd | command_bits));
}

uint8_t pci_cap_find(const struct pci_device *d, uint8_t cap_id, uint8_t after)
{
    if (!(pci_cfg_read16(d, PCI_CFG_STATUS) & PCI_STATUS_CAP_LIST))
        return 0;
    uint8_t off = after ? pci_cfg_read8(d, (uint8_t)(after + 1)) : pci_cfg_read8(d, PCI_CFG_CAP_PTR);
    for (int steps = 0; steps < PCI_CAP_WALK_LIMIT && (off & PCI_CAP_LIST_MASK); steps++) {
        off &= PCI_CAP_LIST_MASK;
        if (pci_cfg_read8(d, off) == cap_id)
            return off;
        off = pci_cfg_read8(d, (uint8_t)(off + 1));
    }
    return 0;
}

/* Sizes BAR i by writing all ones and reading back the writable bits, with decoding
 * switched off meanwhile so the transient address decodes nothing. Returns the number of
 * slots used (2 for a 64-bit memory BAR). */
static unsigned pci_bar_probe(struct pci_device *d, unsigned i)
{
    uint8_t off = (uint8_t)(PCI_CFG_BAR0 + 4 * i);
    struct pci_bar *bar = &d->bars[i];
    uint32_t low = pci_cfg_read32(d, off);
    pci_cfg_write32(d, off, 0xffffffffu);
    uint32_t low_mask = pci_cfg_read32(d, off);
    pci_cfg_write32(d, off, low);
    if (low_mask == 0 || low_mask == 0xffffffffu)
        return 1; /* unimplemented BAR */

    if (low & PCI_BAR_IO_SPACE) {
        uint32_t mask = (low_mask & PCI_BAR_IO_MASK) | ~PCI_IO_DECODE_LIMIT;
        bar->is_io = true;
        bar->base = low & PCI_BAR_IO_MASK;
        bar->size = (uint32_t)(~mask + 1u);
        return 1;
    }
    bar->prefetchable = (low & PCI_BAR_MEM_PREFETCH) != 0;
    uint64_t base = low & PCI_BAR_MEM_MASK;
    uint64_t mask = 0xffffffff00000000ull | (low_mask & PCI_BAR_MEM_MASK);
    unsigned used = 1;
    if ((low & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64 && i + 1 < PCI_BAR_COUNT) {
        uint8_t hoff = (uint8_t)(off + 4);
        uint32_t high = pci_cfg_read32(d, hoff);
        pci_cfg_write32(d, hoff, 0xffffffffu);
        uint32_t high_mask = pci_cfg_read32(d, hoff);
        pci_cfg_write32(d, hoff, high);
        base |= (uint64_t)high << 32;
        mask = (uint64_t)high_mask << 32 | (low_mask & PCI_BAR_MEM_MASK);
        bar->is_64 = true;
        used = 2;
    }
    bar->base = base;
    bar->size = ~mask + 1u;
    return used;
}

static void pci_bars_probe(struct pci_device *d)
{
    if (d->header_type != PCI_HEADER_TYPE_DEVICE)
        return; /* bridges have two BARs and windows we leave to the firmware */
    uint16_t cmd = pci_cfg_read16(d, PCI_CFG_COMMAND);
    pci_cfg_write16(d, PCI_CFG_COMMAND, (uint16_t)(cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY)));
    for (unsigned i = 0; i < PCI_BAR_COUNT;)
        i += pci_bar_probe(d, i);
    pci_cfg_write16(d, PCI_CFG_COMMAND, cmd);
}

static void pci_log_device(const struct pci_device *d)
{
    char line[400];
    size_t n = (size_t)fmt_snprintf(line, sizeof line, "pci: %02x:%02x.%x %04x:%04x class %02x.%02x.%02x rev %02x",
                                    d->bus, d->dev, d->fn, d->vendor_id, d->device_id, d->class_code, d->subclass,
                                    d->prog_if, d->revision);
    if (d->irq_pin && n < sizeof line)
        n += (size_t)fmt_snprintf(line + n, sizeof line - n, " irq %u pin %c", d->irq_line, 'A' + d->irq_pin - 1);
    for (unsigned i = 0; i < PCI_BAR_COUNT && n < sizeof line; i++) {
        const struct pci_bar *b = &d->bars[i];
        if (!b->size)
            continue;
        n += (size_t)fmt_snprintf(line + n, sizeof line - n, " bar%u %s 0x%llx/0x%llx", i,
                                  b->is_io ? "io" : b->is_64 ? "mem64" : "mem", (unsigned long long)b->base,
                                  (unsigned long long)b->size);
    }
    if (pci_cfg_read16(d, PCI_CFG_STATUS) & PCI_STATUS_CAP_LIST) {
        uint8_t off = pci_cfg_read8(d, PCI_CFG_CAP_PTR);
        if (n < sizeof line)
            n += (size_t)fmt_snprintf(line + n, sizeof line - n, " caps");
        for (int steps = 0; steps < PCI_CAP_WALK_LIMIT && (off & PCI_CAP_LIST_MASK) && n < sizeof line; steps++) {
            off &= PCI_CAP_LIST_MASK;
            n += (size_t)fmt_snprintf(line + n, sizeof line - n, " %02x@%02x", pci_cfg_read8(d, off), off);
            off = pci_cfg_read8(d, (uint8_t)(off + 1));
        }
    }
    log_info("%s", line);
}

static void pci_add_function(uint8_t bus, uint8_t dev, uint8_t fn)
{
    if (pci_count == PCI_MAX_DEVICES) {
        pci_overflow++;
        return;
    }
    struct pci_device *d = &pci_devices[pci_count++];
    d->bus = bus;
    d->dev = dev;
    d->fn = fn;
    d->vendor_id = pci_cfg_read16(d, PCI_CFG_VENDOR_ID);
    d->device_id = pci_cfg_read16(d, PCI_CFG_DEVICE_ID);
    d->revision = pci_cfg_read8(d, PCI_CFG_REVISION);
    d->prog_if = pci_cfg_read8(d, PCI_CFG_PROG_IF);
    d->subclass = pci_cfg_read8(d, PCI_CFG_SUBCLASS);
    d->class_code = pci_cfg_read8(d, PCI_CFG_CLASS);
    d->header_type = pci_cfg_read8(d, PCI_CFG_HEADER_TYPE) & PCI_HEADER_TYPE_MASK;
    if (d->header_type == PCI_HEADER_TYPE_DEVICE) {
        d->subsys_vendor = pci_cfg_read16(d, PCI_CFG_SUBSYS_VENDOR);
        d->subsys_id = pci_cfg_read16(d, PCI_CFG_SUBSYS_ID);
    }
    d->irq_line = pci_cfg_read8(d, PCI_CFG_INTERRUPT_LINE);
    d->irq_pin = pci_cfg_read8(d, PCI_CFG_INTERRUPT_PIN);
    d->msi_cap = pci_cap_find(d, PCI_CAP_ID_MSI, 0);
    d->msix_cap = pci_cap_find(d, PCI_CAP_ID_MSIX, 0);
    pci_bars_probe(d);
    pci_log_device(d);
}

void pci_init(void)
{
    pci_count = 0;
    pci_overflow = 0;
    for (unsigned bus = 0; bus < PCI_BUS_COUNT; bus++) {
        for (uint8_t dev = 0; dev < PCI_DEV_COUNT; dev++) {
            if ((uint16_t)pci_raw_read32((uint8_t)bus, dev, 0, PCI_CFG_VENDOR_ID) == PCI_VENDOR_NONE)
                continue;
            uint8_t header = (uint8_t)(pci_raw_read32((uint8_t)bus, dev, 0, PCI_CFG_HEADER_TYPE & PCI_ADDRESS_REG_MASK) >>
                                       ((PCI_CFG_HEADER_TYPE & 3u) * 8));
            uint8_t fns = (header & PCI_HEADER_MULTIFUNCTION) ? PCI_FN_COUNT : 1;
            for (uint8_t fn = 0; fn < fns; fn++) {
                if ((uint16_t)pci_raw_read32((uint8_t)bus, dev, fn, PCI_CFG_VENDOR_ID) != PCI_VENDOR_NONE)
                    pci_add_function((uint8_t)bus, dev, fn);
            }
        }
    }
    if (pci_overflow)
        log_warn("pci: %zu functions not recorded (table holds %d)", pci_overflow, PCI_MAX_DEVICES);
    log_info("pci: %zu functions", pci_count);
}

size_t pci_device_count(void)
{
    return pci_count;
}

const struct pci_device *pci_device_at(size_t i)
{
    return i < pci_count ? &pci_devices[i] : NULL;
}

const struct pci_device *pci_find(uint16_t vendor_id, uint16_t device_id, size_t index)
{
    for (size_t i = 0; i < pci_count; i++) {
        if (pci_devices[i].vendor_id == vendor_id && pci_devices[i].device_id == device_id && index-- == 0)
            return &pci_devices[i];
    }
    return NULL;
}

volatile void *pci_bar_map(const struct pci_device *d, unsigned bar)
{
    if (bar >= PCI_BAR_COUNT || d->bars[bar].is_io || !d->bars[bar].base || !d->bars[bar].size)
        return NULL;
    return mmio_map(d->bars[bar].base, (size_t)d->bars[bar].size);
}

int pci_route_intx(const struct pci_device *d, void (*fn)(void *ctx), void *ctx)
{
    if (d->irq_pin == 0 || d->irq_line == PCI_INTERRUPT_LINE_NONE || d->irq_line >= PCI_ISA_IRQ_COUNT)
        return -1;
    bool level = true, active_low = false;
    unsigned gsi = irq_isa_to_gsi(d->irq_line, &level, &active_low);
    /* INTx is level-triggered (PCI 3.0 2.2.6) whatever the ISA default says; the polarity
     * is the platform's (MADT override), since the router sits between pin and IOAPIC. */
    uint16_t cmd = pci_cfg_read16(d, PCI_CFG_COMMAND);
    pci_cfg_write16(d, PCI_CFG_COMMAND, (uint16_t)(cmd & ~PCI_COMMAND_INTX_DISABLE));
    return irq_route_gsi(gsi, true, active_low, fn, ctx);
}

KTEST(drivers_pci_host_bridge_first)
{
    const struct pci_device *d = pci_device_at(0);
    if (!KT_EXPECT(d != NULL))
        return;
    KT_EXPECT_EQ(d->bus, 0);
    KT_EXPECT_EQ(d->dev, 0);
    KT_EXPECT_EQ(d->fn, 0);
    KT_EXPECT_EQ(d->class_code, 0x06); /* bridge class (PCI Code and ID Assignment 1.11, 1.7) */
    KT_EXPECT_EQ(d->subclass, 0x00);   /* host bridge */
}

/* QEMU's chipsets put the ISA bridge in a multifunction device (PIIX3 00:01.x, ICH9
 * 00:1f.x): the scan must find its functions above 0, and only behind the header bit. */
KTEST(drivers_pci_multifunction_scanned)
{
    bool found = false;
    for (size_t i = 0; i < pci_device_count(); i++) {
        const struct pci_device *d = pci_device_at(i);
        if (d->fn == 0)
            continue;
        found = true;
        uint8_t header = (uint8_t)(pci_raw_read32(d->bus, d->dev, 0, PCI_CFG_HEADER_TYPE & PCI_ADDRESS_REG_MASK) >>
                                   ((PCI_CFG_HEADER_TYPE & 3u) * 8));
        KT_EXPECT(header & PCI_HEADER_MULTIFUNCTION);
    }
    KT_EXPECT(found);
}

KTEST(drivers_pci_bars_are_aligned_powers_of_two)
{
    for (size_t i = 0; i < pci_device_count(); i++) {
        const struct pci_device *d = pci_device_at(i);
        for (unsigned b = 0; b < PCI_BAR_COUNT; b++) {
            uint64_t size = d->bars[b].size;
            if (!size)
                continue;
            KT_EXPECT_EQ(size & (size - 1), 0);
            KT_EXPECT_EQ(d->bars[b].base & (size - 1), 0);
            if (d->bars[b].is_64)
                KT_EXPECT_EQ(d->bars[b + 1].size, 0); /* the high half is not a BAR of its own */
        }
    }
}

KTEST(drivers_pci_cap_walk_ends)
{
    /* Capability id 0 is reserved (never present), so every walk must run off the end. */
    for (size_t i = 0; i < pci_device_count(); i++)
        KT_EXPECT_EQ(pci_cap_find(pci_device_at(i), 0, 0), 0);
}

bool pci_msix_set_entry(const struct pci_device *d, unsigned entry, uint64_t address, uint32_t data)
{
    if (!d->msix_cap)
        return false;
    uint16_t control = pci_cfg_read16(d, (uint8_t)(d->msix_cap + PCI_MSIX_CONTROL));
    if (entry > (control & PCI_MSIX_CONTROL_TABLE_SIZE_MASK))
        return false;
    uint32_t table = pci_cfg_read32(d, (uint8_t)(d->msix_cap + PCI_MSIX_TABLE));
    unsigned bar = table & PCI_MSIX_BIR_MASK;
    uint64_t offset = table & ~PCI_MSIX_BIR_MASK;
    if (bar >= PCI_BAR_COUNT || offset + (uint64_t)(entry + 1) * PCI_MSIX_ENTRY_SIZE > d->bars[bar].size)
        return false;
    volatile uint8_t *base = pci_bar_map(d, bar);
    if (!base)
        return false;
    volatile uint8_t *e = base + offset + (uint64_t)entry * PCI_MSIX_ENTRY_SIZE;
    mmio_write32(e + PCI_MSIX_ENTRY_CONTROL, PCI_MSIX_ENTRY_CONTROL_MASKED); /* no half-written message */
    mmio_write32(e + PCI_MSIX_ENTRY_ADDR_LO, (uint32_t)address);
    mmio_write32(e + PCI_MSIX_ENTRY_ADDR_HI, (uint32_t)(address >> 32));
    mmio_write32(e + PCI_MSIX_ENTRY_DATA, data);
    mmio_write32(e + PCI_MSIX_ENTRY_CONTROL, 0);
    return true;
}

void pci_msix_enable(const struct pci_device *d, bool on)
{
    if (!d->msix_cap)
        return;
    uint8_t off = (uint8_t)(d->msix_cap + PCI_MSIX_CONTROL);
    uint16_t control = pci_cfg_read16(d, off) & (uint16_t)~(PCI_MSIX_CONTROL_ENABLE | PCI_MSIX_CONTROL_FUNCTION_MASK);
    uint16_t cmd = pci_cfg_read16(d, PCI_CFG_COMMAND);
    if (on) {
        pci_cfg_write16(d, PCI_CFG_COMMAND, (uint16_t)(cmd | PCI_COMMAND_INTX_DISABLE));
        pci_cfg_write16(d, off, (uint16_t)(control | PCI_MSIX_CONTROL_ENABLE));
    } else {
        pci_cfg_write16(d, off, control);
        pci_cfg_write16(d, PCI_CFG_COMMAND, (uint16_t)(cmd & ~PCI_COMMAND_INTX_DISABLE));
    }
}
