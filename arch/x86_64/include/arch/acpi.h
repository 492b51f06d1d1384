/* SPDX-License-Identifier: MIT */
/* The little of ACPI dsmk needs: find the RSDP, walk the RSDT/XSDT to the MADT and read
 * the LAPIC address, the IOAPICs and the ISA interrupt source overrides (ACPI 6.4 5.2.5,
 * 5.2.7, 5.2.8, 5.2.12). No AML, no other tables. Every table is checksummed and bounds
 * checked; anything wrong means "no MADT" and the PC defaults are used instead. */
#ifndef ARCH_ACPI_H
#define ARCH_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_IOAPICS 8
#define ACPI_ISA_IRQS 16
#define ACPI_DEFAULT_LAPIC_PHYS 0xfee00000ull  /* SDM vol. 3 10.4.1 */
#define ACPI_DEFAULT_IOAPIC_PHYS 0xfec00000ull /* PC convention when there is no MADT */

struct acpi_ioapic {
    uint8_t id;
    uint64_t phys;
    uint32_t gsi_base;
};

struct acpi_isa_route {
    uint32_t gsi;
    bool level;      /* level-triggered (ISA default: edge) */
    bool active_low; /* (ISA default: active high) */
};

struct acpi_madt_info {
    bool from_madt; /* false: the defaults below were filled in */
    uint64_t lapic_phys;
    size_t ioapic_count;
    struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
    struct acpi_isa_route isa[ACPI_ISA_IRQS]; /* identity unless overridden */
};

/* Reads len bytes of physical memory at phys into dst; false if not readable. */
typedef bool (*acpi_read_fn)(void *ctx, uint64_t phys, void *dst, size_t len);

/* Finds and parses the MADT through read. On success fills out and returns true; on any
 * error writes the reason into err, fills out with the defaults and returns false. */
bool acpi_parse(acpi_read_fn read, void *ctx, struct acpi_madt_info *out, char *err, size_t err_size);
/* Parses the firmware's tables through the boot identity map; call before paging_init. */
void acpi_init(void);
/* The parsed (or default) interrupt configuration. */
const struct acpi_madt_info *acpi_madt(void);
/* The LAPIC physical address. */
uint64_t acpi_lapic_phys(void);
/* GSI and trigger of ISA IRQ isa_irq (0..15); identity/edge/high for others. */
unsigned acpi_isa_irq_to_gsi(unsigned isa_irq, bool *level, bool *active_low);

#endif
