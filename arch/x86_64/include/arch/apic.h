/* SPDX-License-Identifier: MIT */
/* The interrupt chips: local APIC (SDM vol. 3 ch. 10), I/O APIC (82093AA datasheet) and
 * the legacy 8259A pair, which is only remapped and masked. kernel/irq.h is the interface
 * drivers use; this header is for arch code and the timer. One CPU: no IPIs, no x2APIC. */
#ifndef ARCH_APIC_H
#define ARCH_APIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Remaps the 8259s to IRQ_VECTOR_PIC_BASE and masks every line. */
void pic_disable(void);
/* Acknowledges the master 8259 (after a spurious IRQ 15 from the slave). */
void pic_eoi_master(void);

/* Maps device registers at phys for arch code (uncached, through mmio_map: after paging_init). */
volatile void *apic_mmio_map(uint64_t phys, size_t len);

/* Enables the LAPIC at phys (MADT address): spurious vector, LINT0 masked, TPR 0. */
void lapic_init(uint64_t phys);
/* Signals end of interrupt for the interrupt being serviced. */
void lapic_eoi(void);
/* This CPU's APIC ID (destination for IOAPIC entries and MSIs). */
uint8_t lapic_id(void);
/* The LAPIC error interrupt handler (irq_handler_fn): logs the error status. */
void lapic_error_interrupt(void *ctx);
/* Timer, one-shot mode, counting at the rate lapic_timer_hz measures: fires vector after
 * count ticks; count 0 stops the timer. */
void lapic_timer_oneshot(uint8_t vector, uint32_t count);
/* Restarts the one-shot count lapic_timer_oneshot set up (its vector and mode kept), with
 * one register write instead of two; count 0 stops the timer. */
void lapic_timer_restart(uint32_t count);
/* Starts the timer counting down from its maximum with its interrupt masked, so the
 * count rate can be measured (lapic_timer_remaining). */
void lapic_timer_free_run(void);
/* Ticks left in the current one-shot count. */
uint32_t lapic_timer_remaining(void);

/* Sends a fixed interrupt on vector to this CPU (self IPI); it arrives once IF=1. */
void lapic_send_self(uint8_t vector);
/* Logs the in-service and requested vectors, TPR/PPR and the timer's LVT and count (dumps). */
void lapic_dump(void);

/* Reads the IOAPICs the MADT lists (or the default one) and masks all their inputs. */
void ioapic_init_all(void);
/* True if some IOAPIC has input gsi. */
bool ioapic_has_gsi(unsigned gsi);
/* Programs gsi: fixed delivery of vector to APIC ID dest, physical mode, left unmasked. */
void ioapic_route(unsigned gsi, uint8_t vector, bool level, bool active_low, uint8_t dest);
/* Sets or clears the mask bit of gsi's redirection entry. */
void ioapic_mask(unsigned gsi, bool masked);

#endif
