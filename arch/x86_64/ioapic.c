/* SPDX-License-Identifier: MIT */
/* I/O APICs (82093AA datasheet 3.1-3.2): indirect register access through IOREGSEL and
 * IOWIN, one 64-bit redirection entry per input. Physical destination mode to this
 * CPU's LAPIC, fixed delivery. All inputs start masked; irq.c unmasks what it routes. */
#include <arch/acpi.h>
#include <arch/apic.h>
#include <arch/io.h>

#include "kernel/log.h"

#define IOAPIC_REG_SELECT 0x00
#define IOAPIC_REG_WINDOW 0x10
#define IOAPIC_MMIO_SIZE 0x20
#define IOAPIC_INDEX_VERSION 0x01
#define IOAPIC_INDEX_REDIR_BASE 0x10 /* entry n: low dword 0x10+2n, high 0x11+2n */
#define IOAPIC_REDIR_LOW(n) (IOAPIC_INDEX_REDIR_BASE + 2 * (n))
#define IOAPIC_REDIR_HIGH(n) (IOAPIC_INDEX_REDIR_BASE + 2 * (n) + 1)
#define IOAPIC_VERSION_MAX_REDIR_SHIFT 16
#define IOAPIC_VERSION_MAX_REDIR_MASK 0xffu

#define IOAPIC_REDIR_ACTIVE_LOW (1u << 13)
#define IOAPIC_REDIR_LEVEL (1u << 15)
#define IOAPIC_REDIR_MASKED (1u << 16)
#define IOAPIC_REDIR_DEST_SHIFT 24 /* in the high dword */

struct ioapic {
    volatile uint8_t *regs;
    uint32_t gsi_base;
    uint32_t inputs;
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static size_t ioapic_count;

static uint32_t ioapic_read(const struct ioapic *io, uint32_t index)
{
    mmio_write32(io->regs + IOAPIC_REG_SELECT, index);
    return mmio_read32(io->regs + IOAPIC_REG_WINDOW);
}

static void ioapic_write(const struct ioapic *io, uint32_t index, uint32_t value)
{
    mmio_write32(io->regs + IOAPIC_REG_SELECT, index);
    mmio_write32(io->regs + IOAPIC_REG_WINDOW, value);
}

static struct ioapic *ioapic_for(unsigned gsi)
{
    for (size_t i = 0; i < ioapic_count; i++)
        if (gsi >= ioapics[i].gsi_base && gsi - ioapics[i].gsi_base < ioapics[i].inputs)
            return &ioapics[i];
    return NULL;
}

void ioapic_init_all(void)
{
    const struct acpi_madt_info *madt = acpi_madt();
    ioapic_count = 0;
    for (size_t i = 0; i < madt->ioapic_count; i++) {
        struct ioapic *io = &ioapics[ioapic_count++];
        io->regs = apic_mmio_map(madt->ioapics[i].phys, IOAPIC_MMIO_SIZE);
        io->gsi_base = madt->ioapics[i].gsi_base;
        io->inputs = ((ioapic_read(io, IOAPIC_INDEX_VERSION) >> IOAPIC_VERSION_MAX_REDIR_SHIFT) &
                      IOAPIC_VERSION_MAX_REDIR_MASK) + 1;
        for (uint32_t n = 0; n < io->inputs; n++)
            ioapic_write(io, IOAPIC_REDIR_LOW(n), IOAPIC_REDIR_MASKED);
        log_info("ioapic: id %u at 0x%llx, gsi %u-%u", madt->ioapics[i].id, (unsigned long long)madt->ioapics[i].phys,
                 io->gsi_base, io->gsi_base + io->inputs - 1);
    }
}

bool ioapic_has_gsi(unsigned gsi)
{
    return ioapic_for(gsi) != NULL;
}

void ioapic_route(unsigned gsi, uint8_t vector, bool level, bool active_low, uint8_t dest)
{
    struct ioapic *io = ioapic_for(gsi);
    if (!io)
        return;
    uint32_t n = gsi - io->gsi_base;
    uint32_t low = vector | (level ? IOAPIC_REDIR_LEVEL : 0) | (active_low ? IOAPIC_REDIR_ACTIVE_LOW : 0);
    /* High dword first while the entry is still masked, then the low dword unmasks it. */
    ioapic_write(io, IOAPIC_REDIR_LOW(n), IOAPIC_REDIR_MASKED);
    ioapic_write(io, IOAPIC_REDIR_HIGH(n), (uint32_t)dest << IOAPIC_REDIR_DEST_SHIFT);
    ioapic_write(io, IOAPIC_REDIR_LOW(n), low);
}

void ioapic_mask(unsigned gsi, bool masked)
{
    struct ioapic *io = ioapic_for(gsi);
    if (!io)
        return;
    uint32_t index = IOAPIC_REDIR_LOW(gsi - io->gsi_base);
    uint32_t low = ioapic_read(io, index);
    ioapic_write(io, index, masked ? low | IOAPIC_REDIR_MASKED : low & ~IOAPIC_REDIR_MASKED);
}
