/* SPDX-License-Identifier: MIT */
/* Interrupt vectors 32-255: the handler table, dynamic vector allocation, and the EOI
 * rule (SDM vol. 3 10.8.5: every accepted fixed interrupt gets one EOI write; the LAPIC
 * spurious vector and the 8259s' spurious IRQs get none). Routing to IOAPIC inputs and
 * MSI messages are here too; the chips themselves are in lapic.c, ioapic.c and pic.c. */
#include "kernel/irq.h"

#include <arch/acpi.h>
#include <arch/apic.h>
#include <arch/trap.h>

#include "kernel/log.h"

/* MSI address/data (SDM vol. 3 10.11.1, 10.11.2). */
#define MSI_ADDRESS_BASE 0xfee00000ull
#define MSI_ADDRESS_DEST_SHIFT 12
#define MSI_DATA_DELIVERY_FIXED (0u << 8)
#define MSI_DATA_TRIGGER_EDGE (0u << 15)

#define PIC_SPURIOUS_MASTER (IRQ_VECTOR_PIC_BASE + 7)
#define PIC_SPURIOUS_SLAVE (IRQ_VECTOR_PIC_BASE + 15)
#define GSI_NONE 0xffffffffu

struct irq_slot {
    irq_handler_fn fn; /* NULL: free (dynamic range) or unexpected */
    void *ctx;
    uint32_t gsi;      /* IOAPIC input feeding this vector, GSI_NONE if none */
    bool reserved;     /* taken by irq_alloc_vector/irq_route_gsi/irq_set_fixed_handler */
};

static struct irq_slot irq_slots[TRAP_VECTOR_COUNT];
static uint64_t irq_counts[TRAP_VECTOR_COUNT];
static uint64_t irq_unexpected;
static bool irq_lapic_ready;

void irq_dispatch(unsigned vector)
{
    if (vector >= TRAP_VECTOR_COUNT)
        return;
    irq_counts[vector]++;
    if (vector == IRQ_VECTOR_SPURIOUS || vector == PIC_SPURIOUS_MASTER)
        return;
    if (vector == PIC_SPURIOUS_SLAVE) {
        pic_eoi_master(); /* the master did see a real IRQ 2 from the slave (8259A datasheet) */
        return;
    }
    struct irq_slot *s = &irq_slots[vector];
    if (s->fn)
        s->fn(s->ctx);
    else if (irq_unexpected++ == 0)
        log_warn("irq: unexpected interrupt on vector 0x%x (further ones only counted)", vector);
    if (irq_lapic_ready)
        lapic_eoi();
}

uint64_t irq_count(unsigned vector)
{
    return vector < TRAP_VECTOR_COUNT ? irq_counts[vector] : 0;
}

void irq_set_fixed_handler(unsigned vector, irq_handler_fn fn, void *ctx)
{
    if (vector < TRAP_EXCEPTION_COUNT || vector >= TRAP_VECTOR_COUNT)
        return;
    irq_slots[vector] = (struct irq_slot){ .fn = fn, .ctx = ctx, .gsi = GSI_NONE, .reserved = fn != NULL };
}

int irq_alloc_vector(irq_handler_fn fn, void *ctx)
{
    if (!fn)
        return -1;
    for (unsigned v = IRQ_VECTOR_DYNAMIC_FIRST; v <= IRQ_VECTOR_DYNAMIC_LAST; v++) {
        if (!irq_slots[v].reserved) {
            irq_slots[v] = (struct irq_slot){ .fn = fn, .ctx = ctx, .gsi = GSI_NONE, .reserved = true };
            return (int)v;
        }
    }
    return -1;
}

void irq_free_vector(int vector)
{
    if (vector < IRQ_VECTOR_DYNAMIC_FIRST || vector > IRQ_VECTOR_DYNAMIC_LAST)
        return;
    struct irq_slot *s = &irq_slots[vector];
    if (s->gsi != GSI_NONE)
        ioapic_mask(s->gsi, true);
    *s = (struct irq_slot){ .gsi = GSI_NONE };
}

void irq_msi_message(int vector, uint64_t *address, uint32_t *data)
{
    *address = MSI_ADDRESS_BASE | ((uint64_t)lapic_id() << MSI_ADDRESS_DEST_SHIFT);
    *data = MSI_DATA_TRIGGER_EDGE | MSI_DATA_DELIVERY_FIXED | (uint32_t)(vector & 0xff);
}

int irq_route_gsi(unsigned gsi, bool level, bool active_low, irq_handler_fn fn, void *ctx)
{
    if (!ioapic_has_gsi(gsi))
        return -1;
    int vector = irq_alloc_vector(fn, ctx);
    if (vector < 0)
        return -1;
    irq_slots[vector].gsi = gsi;
    ioapic_route(gsi, (uint8_t)vector, level, active_low, lapic_id());
    return vector;
}

void irq_mask_gsi(unsigned gsi, bool masked)
{
    if (ioapic_has_gsi(gsi))
        ioapic_mask(gsi, masked);
}

unsigned irq_isa_to_gsi(unsigned isa_irq, bool *level, bool *active_low)
{
    return acpi_isa_irq_to_gsi(isa_irq, level, active_low);
}

void irq_init(void)
{
    pic_disable();
    lapic_init(acpi_lapic_phys());
    irq_set_fixed_handler(IRQ_VECTOR_APIC_ERROR, lapic_error_interrupt, NULL);
    irq_lapic_ready = true;
    ioapic_init_all();
}
