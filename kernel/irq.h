/* SPDX-License-Identifier: MIT */
/* Device interrupts: vector allocation, IOAPIC routing of GSIs, MSI messages.
 * Interrupts are delivered through the LAPIC (the 8259s stay masked). Handlers run with
 * IF=0 from the IDT, to completion, never block, and are followed by the LAPIC EOI; they
 * should only acknowledge the device and note work for a poll loop (STYLE.md habit 10).
 * A handler that switches threads (the scheduler tick) must first acknowledge with
 * lapic_eoi() (arch/apic.h); the EOI after it returns is then a no-op (no bit in service).
 * One CPU per node: every interrupt targets this CPU's LAPIC. */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H

#include <stdbool.h>
#include <stdint.h>

typedef void (*irq_handler_fn)(void *ctx);

/* Vector plan (SDM vol. 3 6.2, 10.8.3: the priority class is vector >> 4). */
#define IRQ_VECTOR_PIC_BASE 0x20   /* 8259s remapped here, masked: only spurious IRQs 7/15 */
#define IRQ_VECTOR_DYNAMIC_FIRST 0x30
#define IRQ_VECTOR_DYNAMIC_LAST 0xdf
#define IRQ_VECTOR_TIMER 0xf0      /* LAPIC timer (kernel/timer.c) */
#define IRQ_VECTOR_APIC_ERROR 0xfe
#define IRQ_VECTOR_SPURIOUS 0xff   /* LAPIC spurious: no EOI (SDM vol. 3 10.9) */

/* Masks the PICs, enables the LAPIC and the IOAPIC (from the ACPI MADT). After paging_init. */
void irq_init(void);
/* Allocates a free vector for fn(ctx) (for MSI/MSI-X or IPIs); returns it, or -1 if none left. */
int irq_alloc_vector(irq_handler_fn fn, void *ctx);
/* Releases a vector from irq_alloc_vector/irq_route_gsi with all its handlers (the GSI is
 * masked first). */
void irq_free_vector(int vector);
/* The MSI address/data (PCI 3.0 6.8, SDM vol. 3 10.11) delivering vector to this CPU, edge. */
void irq_msi_message(int vector, uint64_t *address, uint32_t *data);
/* Routes IOAPIC input gsi to a new vector running fn(ctx), unmasked; returns the vector or
 * -1 (no such GSI, no vector left). A level-triggered GSI already routed with the same
 * polarity is shared (PCI INTx): fn joins its vector, so handlers must check their device.
 * ISA IRQs: pass irq_isa_to_gsi(irq) and its polarity. */
int irq_route_gsi(unsigned gsi, bool level, bool active_low, irq_handler_fn fn, void *ctx);
/* Masks or unmasks an IOAPIC input routed with irq_route_gsi. */
void irq_mask_gsi(unsigned gsi, bool masked);
/* The GSI an ISA IRQ arrives on (MADT interrupt source overrides), with its trigger mode. */
unsigned irq_isa_to_gsi(unsigned isa_irq, bool *level, bool *active_low);
/* Installs fn(ctx) on a fixed vector (IRQ_VECTOR_TIMER); for arch code. */
void irq_set_fixed_handler(unsigned vector, irq_handler_fn fn, void *ctx);
/* Sets fn(vector) to run after every device interrupt's handlers and EOI (the scheduler's
 * preempt-on-wake); fn may switch threads. NULL removes it. */
void irq_set_exit_hook(void (*fn)(unsigned vector));
/* Called by trap_dispatch for vectors >= 32: runs the handler, then EOI, then the exit hook. */
void irq_dispatch(unsigned vector);
/* Interrupts taken on vector so far (for state dumps and tests). */
uint64_t irq_count(unsigned vector);
/* Logs one line with the count of every vector that was taken, and the unexpected ones. */
void irq_dump(void);

#endif
