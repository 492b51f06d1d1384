/* SPDX-License-Identifier: MIT */
/* The local APIC in xAPIC (MMIO) mode (SDM vol. 3 ch. 10): software enable through the
 * spurious-interrupt vector register, EOI, the error LVT and the one-shot timer. The
 * timer's rate is measured by kernel/timer.c against the TSC. No x2APIC, no IPIs. */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/io.h>

#include "kernel/format.h"
#include "kernel/irq.h"
#include "kernel/log.h"
#include "kernel/mm.h"

#define MSR_IA32_APIC_BASE 0x1b               /* SDM vol. 3 10.4.4 */
#define APIC_BASE_GLOBAL_ENABLE (1ull << 11)
#define APIC_BASE_ADDRESS_MASK 0x000ffffffffff000ull

/* Register offsets (SDM vol. 3 table 10-1). */
#define LAPIC_REG_ID 0x20
#define LAPIC_REG_TPR 0x80
#define LAPIC_REG_PPR 0xa0
#define LAPIC_REG_ISR 0x100 /* 8 registers of 32 vectors, 16 bytes apart (SDM vol. 3 10.8.4) */
#define LAPIC_REG_IRR 0x200
#define LAPIC_VECTOR_WORDS 8
#define LAPIC_VECTOR_WORD_STRIDE 0x10
#define LAPIC_REG_EOI 0xb0
#define LAPIC_REG_SVR 0xf0
#define LAPIC_REG_ESR 0x280
#define LAPIC_REG_ICR_LOW 0x300
#define LAPIC_REG_LVT_TIMER 0x320
#define LAPIC_REG_LVT_LINT0 0x350
#define LAPIC_REG_LVT_ERROR 0x370
#define LAPIC_REG_TIMER_INITIAL 0x380
#define LAPIC_REG_TIMER_CURRENT 0x390
#define LAPIC_REG_TIMER_DIVIDE 0x3e0
#define LAPIC_MMIO_SIZE 0x1000

#define LAPIC_ID_SHIFT 24
#define LAPIC_SVR_ENABLE (1u << 8)
#define LAPIC_LVT_MASKED (1u << 16)
#define LAPIC_LVT_TIMER_ONESHOT (0u << 17)
#define LAPIC_TIMER_DIVIDE_BY_16 0x3u         /* SDM vol. 3 figure 10-10 */
#define LAPIC_TIMER_COUNT_MAX 0xffffffffu
#define LAPIC_ICR_LEVEL_ASSERT (1u << 14)
#define LAPIC_ICR_DELIVERY_PENDING (1u << 12) /* RO: send pending */
#define LAPIC_ICR_SHORTHAND_SELF (1u << 18)

static volatile uint8_t *lapic_regs;

static uint32_t lapic_read(uint32_t reg) { return mmio_read32(lapic_regs + reg); }
static void lapic_write(uint32_t reg, uint32_t v) { mmio_write32(lapic_regs + reg, v); }

volatile void *apic_mmio_map(uint64_t phys, size_t len)
{
    return mmio_map(phys, len);
}

void lapic_init(uint64_t phys)
{
    uint64_t base = cpu_rdmsr(MSR_IA32_APIC_BASE);
    if ((base & APIC_BASE_ADDRESS_MASK) != phys)
        log_warn("lapic: MSR base 0x%llx differs from MADT 0x%llx; using the MSR's",
                 (unsigned long long)(base & APIC_BASE_ADDRESS_MASK), (unsigned long long)phys);
    cpu_wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_GLOBAL_ENABLE);
    lapic_regs = apic_mmio_map(base & APIC_BASE_ADDRESS_MASK, LAPIC_MMIO_SIZE);

    lapic_write(LAPIC_REG_LVT_LINT0, LAPIC_LVT_MASKED); /* ExtINT from the (masked) 8259 */
    lapic_write(LAPIC_REG_LVT_TIMER, LAPIC_LVT_MASKED | IRQ_VECTOR_TIMER);
    lapic_write(LAPIC_REG_TIMER_DIVIDE, LAPIC_TIMER_DIVIDE_BY_16);
    lapic_write(LAPIC_REG_LVT_ERROR, IRQ_VECTOR_APIC_ERROR);
    lapic_write(LAPIC_REG_ESR, 0); /* SDM 10.5.3: write before read to latch */
    lapic_write(LAPIC_REG_ESR, 0);
    lapic_write(LAPIC_REG_TPR, 0);
    lapic_write(LAPIC_REG_SVR, LAPIC_SVR_ENABLE | IRQ_VECTOR_SPURIOUS);
    lapic_write(LAPIC_REG_EOI, 0); /* drop anything left in service by the firmware */
    log_info("lapic: id %u enabled at 0x%llx", lapic_id(), (unsigned long long)(base & APIC_BASE_ADDRESS_MASK));
}

void lapic_eoi(void)
{
    lapic_write(LAPIC_REG_EOI, 0);
}

uint8_t lapic_id(void)
{
    return lapic_regs ? (uint8_t)(lapic_read(LAPIC_REG_ID) >> LAPIC_ID_SHIFT) : 0;
}

void lapic_error_interrupt(void *ctx)
{
    (void)ctx;
    lapic_write(LAPIC_REG_ESR, 0);
    log_warn("lapic: error interrupt, ESR=0x%x", lapic_read(LAPIC_REG_ESR));
}

void lapic_timer_oneshot(uint8_t vector, uint32_t count)
{
    lapic_write(LAPIC_REG_LVT_TIMER, LAPIC_LVT_TIMER_ONESHOT | vector);
    lapic_write(LAPIC_REG_TIMER_INITIAL, count); /* writing 0 stops the timer (SDM 10.5.4) */
}

void lapic_timer_restart(uint32_t count)
{
    lapic_write(LAPIC_REG_TIMER_INITIAL, count); /* a write restarts the count (SDM 10.5.4) */
}

void lapic_timer_free_run(void)
{
    lapic_write(LAPIC_REG_LVT_TIMER, LAPIC_LVT_MASKED | LAPIC_LVT_TIMER_ONESHOT | IRQ_VECTOR_TIMER);
    lapic_write(LAPIC_REG_TIMER_INITIAL, LAPIC_TIMER_COUNT_MAX);
}

uint32_t lapic_timer_remaining(void)
{
    return lapic_read(LAPIC_REG_TIMER_CURRENT);
}

/* Vectors whose bit is set in the 256-bit register at reg, as " 0x30 0xf0" (empty: none). */
static void lapic_format_vectors(uint32_t reg, char *out, size_t size)
{
    size_t used = 0;
    out[0] = 0;
    for (unsigned w = 0; w < LAPIC_VECTOR_WORDS; w++) {
        uint32_t bits = lapic_read(reg + w * LAPIC_VECTOR_WORD_STRIDE);
        for (unsigned b = 0; b < 32 && used + 6 < size; b++)
            if (bits & (1u << b))
                used += (size_t)fmt_snprintf(out + used, size - used, " 0x%02x", w * 32 + b);
    }
}

void lapic_dump(void)
{
    if (!lapic_regs)
        return;
    char isr[64], irr[64];
    lapic_format_vectors(LAPIC_REG_ISR, isr, sizeof isr);
    lapic_format_vectors(LAPIC_REG_IRR, irr, sizeof irr);
    log_info("dump: lapic in service [%s ] requested [%s ] tpr 0x%x ppr 0x%x lvt timer 0x%x count %u", isr, irr,
             lapic_read(LAPIC_REG_TPR), lapic_read(LAPIC_REG_PPR), lapic_read(LAPIC_REG_LVT_TIMER),
             lapic_read(LAPIC_REG_TIMER_CURRENT));
}

void lapic_send_self(uint8_t vector)
{
    lapic_write(LAPIC_REG_ICR_LOW, LAPIC_ICR_SHORTHAND_SELF | LAPIC_ICR_LEVEL_ASSERT | vector);
    while (lapic_read(LAPIC_REG_ICR_LOW) & LAPIC_ICR_DELIVERY_PENDING)
        cpu_pause();
}
