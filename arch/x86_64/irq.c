/* SPDX-License-Identifier: MIT */
/* Interrupt vectors 32-255: the handler table, dynamic vector allocation, and the EOI
 * rule (SDM vol. 3 10.8.5: every accepted fixed interrupt gets one EOI write; the LAPIC
 * spurious vector and the 8259s' spurious IRQs get none). Routing to IOAPIC inputs and
 * MSI messages are here too; the chips themselves are in lapic.c, ioapic.c and pic.c. */
#include "kernel/irq.h"

#include <arch/acpi.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/pit.h>
#include <arch/trap.h>

#include "kernel/clock.h"
#include "kernel/format.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/timer.h"

/* MSI address/data (SDM vol. 3 10.11.1, 10.11.2). */
#define MSI_ADDRESS_BASE 0xfee00000ull
#define MSI_ADDRESS_DEST_SHIFT 12
#define MSI_DATA_DELIVERY_FIXED (0u << 8)
#define MSI_DATA_TRIGGER_EDGE (0u << 15)
#define MSI_DATA_VECTOR_MASK 0xffu

#define PIC_SPURIOUS_MASTER (IRQ_VECTOR_PIC_BASE + 7)
#define PIC_SPURIOUS_SLAVE (IRQ_VECTOR_PIC_BASE + 15)
#define GSI_NONE 0xffffffffu
#define IRQ_SHARED_MAX 4 /* handlers on one level-triggered line (PCI INTx is shared) */

struct irq_action {
    irq_handler_fn fn;
    void *ctx;
};

struct irq_slot {
    struct irq_action actions[IRQ_SHARED_MAX]; /* [0, action_count) are live */
    unsigned action_count; /* 0: free (dynamic range) or unexpected */
    uint32_t gsi;          /* IOAPIC input feeding this vector, GSI_NONE if none */
    bool level, active_low; /* the GSI's trigger, which every sharer must agree on */
    bool reserved;         /* taken by irq_alloc_vector/irq_route_gsi/irq_set_fixed_handler */
};

static struct irq_slot irq_slots[TRAP_VECTOR_COUNT];
static uint64_t irq_counts[TRAP_VECTOR_COUNT];
static uint64_t irq_unexpected;
static bool irq_lapic_ready;

static void (*irq_exit_hook)(unsigned vector);

void irq_set_exit_hook(void (*fn)(unsigned vector))
{
    irq_exit_hook = fn;
}

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
    for (unsigned i = 0; i < s->action_count; i++)
        s->actions[i].fn(s->actions[i].ctx);
    if (s->action_count == 0 && irq_unexpected++ == 0)
        log_warn("irq: unexpected interrupt on vector 0x%x (further ones only counted)", vector);
    if (irq_lapic_ready)
        lapic_eoi();
    if (irq_exit_hook)
        irq_exit_hook(vector);
}

uint64_t irq_count(unsigned vector)
{
    return vector < TRAP_VECTOR_COUNT ? irq_counts[vector] : 0;
}

void irq_dump(void)
{
    char line[256];
    size_t n = 0;
    for (unsigned v = TRAP_EXCEPTION_COUNT; v < TRAP_VECTOR_COUNT && n < sizeof line; v++)
        if (irq_counts[v])
            n += (size_t)fmt_snprintf(line + n, sizeof line - n, " 0x%x:%llu", v, (unsigned long long)irq_counts[v]);
    log_info("irq: counts by vector%s; %llu unexpected", n ? line : " (none)", (unsigned long long)irq_unexpected);
}

void irq_set_fixed_handler(unsigned vector, irq_handler_fn fn, void *ctx)
{
    if (vector < TRAP_EXCEPTION_COUNT || vector >= TRAP_VECTOR_COUNT)
        return;
    irq_slots[vector] = (struct irq_slot){
        .actions = { { fn, ctx } }, .action_count = fn ? 1 : 0, .gsi = GSI_NONE, .reserved = fn != NULL };
}

int irq_alloc_vector(irq_handler_fn fn, void *ctx)
{
    if (!fn)
        return -1;
    for (unsigned v = IRQ_VECTOR_DYNAMIC_FIRST; v <= IRQ_VECTOR_DYNAMIC_LAST; v++) {
        if (!irq_slots[v].reserved) {
            irq_slots[v] = (struct irq_slot){
                .actions = { { fn, ctx } }, .action_count = 1, .gsi = GSI_NONE, .reserved = true };
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
    *data = MSI_DATA_TRIGGER_EDGE | MSI_DATA_DELIVERY_FIXED | ((uint32_t)vector & MSI_DATA_VECTOR_MASK);
}

int irq_route_gsi(unsigned gsi, bool level, bool active_low, irq_handler_fn fn, void *ctx)
{
    if (!ioapic_has_gsi(gsi) || !fn)
        return -1;
    for (unsigned v = IRQ_VECTOR_DYNAMIC_FIRST; v <= IRQ_VECTOR_DYNAMIC_LAST; v++) {
        struct irq_slot *s = &irq_slots[v];
        if (!s->reserved || s->gsi != gsi)
            continue;
        /* Already routed: share the line if it is level-triggered the same way. */
        if (!level || !s->level || s->active_low != active_low || s->action_count == IRQ_SHARED_MAX)
            return -1;
        s->actions[s->action_count++] = (struct irq_action){ fn, ctx };
        return (int)v;
    }
    int vector = irq_alloc_vector(fn, ctx);
    if (vector < 0)
        return -1;
    irq_slots[vector].gsi = gsi;
    irq_slots[vector].level = level;
    irq_slots[vector].active_low = active_low;
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

/* ktests: allocation bookkeeping, delivery through the LAPIC with EOI (a missing EOI
 * would block the second self IPI of the same priority class), and routing of ISA IRQ 0
 * through the MADT override to the IOAPIC. */

#define IRQ_KTEST_WAIT_NS (NS_PER_SEC / 2)
#define IRQ_KTEST_PIT_TICKS 1193 /* ~1 ms */

static void irq_ktest_count(void *ctx)
{
    (*(unsigned *)ctx)++;
}

static void irq_ktest_wake(struct timer *t, void *arg)
{
    (void)t;
    (void)arg;
}

/* Halts until *counter reaches target; a guard timer bounds the wait if nothing arrives. */
static void irq_ktest_wait(const unsigned *counter, unsigned target)
{
    static struct timer guard;
    uint64_t end = clock_now_ns() + IRQ_KTEST_WAIT_NS;
    timer_arm(&guard, end, irq_ktest_wake, NULL);
    while (*counter < target && clock_now_ns() < end)
        cpu_wait_for_interrupt();
    timer_cancel(&guard);
}

KTEST(irq_alloc_vector_bookkeeping)
{
    static int got[IRQ_VECTOR_DYNAMIC_LAST - IRQ_VECTOR_DYNAMIC_FIRST + 1];
    static unsigned dummy;
    size_t n = 0;
    for (;;) {
        int v = irq_alloc_vector(irq_ktest_count, &dummy);
        if (v < 0)
            break;
        if (!KT_EXPECT(n < sizeof got / sizeof got[0]))
            break;
        KT_EXPECT(v >= IRQ_VECTOR_DYNAMIC_FIRST && v <= IRQ_VECTOR_DYNAMIC_LAST);
        for (size_t i = 0; i < n; i++)
            KT_EXPECT(got[i] != v);
        got[n++] = v;
    }
    KT_EXPECT(n > 0);
    KT_EXPECT_EQ(irq_alloc_vector(NULL, NULL), -1);
    for (size_t i = 0; i < n; i++)
        irq_free_vector(got[i]);
    int again = irq_alloc_vector(irq_ktest_count, &dummy);
    KT_EXPECT_EQ(again, got[0]);
    irq_free_vector(again);

    uint64_t address;
    uint32_t data;
    irq_msi_message(0x41, &address, &data);
    KT_EXPECT_EQ(address, MSI_ADDRESS_BASE | ((uint64_t)lapic_id() << MSI_ADDRESS_DEST_SHIFT));
    KT_EXPECT_EQ(data, 0x41);
}

KTEST(irq_self_ipi_delivered_and_acknowledged)
{
    static unsigned hits;
    hits = 0;
    int v = irq_alloc_vector(irq_ktest_count, &hits);
    if (!KT_EXPECT(v >= 0))
        return;
    uint64_t before = irq_count((unsigned)v);
    lapic_send_self((uint8_t)v);
    irq_ktest_wait(&hits, 1);
    lapic_send_self((uint8_t)v);
    irq_ktest_wait(&hits, 2);
    KT_EXPECT_EQ(hits, 2);
    KT_EXPECT_EQ(irq_count((unsigned)v) - before, 2);
    irq_free_vector(v);
    irq_dump();
}

KTEST(irq_route_isa_timer_through_ioapic)
{
    static unsigned hits;
    hits = 0;
    bool level, active_low;
    unsigned gsi = irq_isa_to_gsi(0, &level, &active_low);
    int v = irq_route_gsi(gsi, level, active_low, irq_ktest_count, &hits);
    if (!KT_EXPECT(v >= 0))
        return;
    pit_irq0_oneshot(IRQ_KTEST_PIT_TICKS);
    irq_ktest_wait(&hits, 1);
    console_printf("    ISA IRQ 0 -> GSI %u -> vector 0x%x: %u interrupt(s)\n", gsi, v, hits);
    KT_EXPECT_EQ(hits, 1);
    irq_free_vector(v);
    KT_EXPECT_EQ(irq_route_gsi(1000, false, false, irq_ktest_count, &hits), -1);
}

KTEST(irq_level_gsi_shared_edge_not)
{
    static unsigned first, second;
    first = second = 0;
    const unsigned gsi = 20; /* an IOAPIC input nothing is wired to on QEMU's pc machine */
    int v = irq_route_gsi(gsi, true, false, irq_ktest_count, &first);
    if (!KT_EXPECT(v >= 0))
        return;
    KT_EXPECT_EQ(irq_route_gsi(gsi, true, false, irq_ktest_count, &second), v);
    KT_EXPECT_EQ(irq_route_gsi(gsi, true, true, irq_ktest_count, &second), -1); /* polarity differs */
    KT_EXPECT_EQ(irq_route_gsi(gsi, false, false, irq_ktest_count, &second), -1); /* edge never shares */
    lapic_send_self((uint8_t)v);
    irq_ktest_wait(&second, 1);
    KT_EXPECT_EQ(first, 1);
    KT_EXPECT_EQ(second, 1);
    irq_free_vector(v);
}
