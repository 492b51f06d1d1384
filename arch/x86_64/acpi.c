/* SPDX-License-Identifier: MIT */
/* Kernel side of ACPI: runs the portable parser (acpi_parse.c) over the firmware's tables
 * through the boot identity map, once, before paging_init removes it, and keeps the result
 * for the interrupt code. */
#include <arch/acpi.h>

#include "kernel/libc.h"
#include "kernel/log.h"

#define ACPI_BOOT_MAP_LIMIT 0x100000000ull /* boot/multiboot.asm identity-maps 0-4 GiB */

static struct acpi_madt_info acpi_info;

static bool acpi_boot_read(void *ctx, uint64_t phys, void *dst, size_t len)
{
    (void)ctx;
    if (phys >= ACPI_BOOT_MAP_LIMIT || len > ACPI_BOOT_MAP_LIMIT - phys)
        return false;
    memcpy(dst, (const void *)(uintptr_t)phys, len);
    return true;
}

void acpi_init(void)
{
    char err[96];
    if (acpi_parse(acpi_boot_read, NULL, &acpi_info, err, sizeof err))
        log_info("acpi: MADT: lapic 0x%llx, %zu ioapic(s), first at 0x%llx gsi %u", (unsigned long long)acpi_info.lapic_phys,
                 acpi_info.ioapic_count, (unsigned long long)acpi_info.ioapics[0].phys, acpi_info.ioapics[0].gsi_base);
    else
        log_warn("acpi: %s; using lapic 0x%llx, ioapic 0x%llx, identity ISA routing", err,
                 (unsigned long long)acpi_info.lapic_phys, (unsigned long long)acpi_info.ioapics[0].phys);
}

const struct acpi_madt_info *acpi_madt(void)
{
    return &acpi_info;
}

uint64_t acpi_lapic_phys(void)
{
    return acpi_info.lapic_phys;
}

unsigned acpi_isa_irq_to_gsi(unsigned isa_irq, bool *level, bool *active_low)
{
    if (isa_irq >= ACPI_ISA_IRQS) {
        *level = false;
        *active_low = false;
        return isa_irq;
    }
    *level = acpi_info.isa[isa_irq].level;
    *active_low = acpi_info.isa[isa_irq].active_low;
    return acpi_info.isa[isa_irq].gsi;
}
