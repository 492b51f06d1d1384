/* SPDX-License-Identifier: MIT */
/* The legacy 8259A pair (Intel 8259A datasheet, ICW1-4/OCW1-2): remapped away from the
 * exception vectors and fully masked, because the LAPIC/IOAPIC deliver every interrupt.
 * A masked 8259 can still raise spurious IRQ 7/15; irq.c absorbs those. */
#include <arch/apic.h>
#include <arch/io.h>

#include "kernel/irq.h"

#define PIC_MASTER_CMD 0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD 0xa0
#define PIC_SLAVE_DATA 0xa1
#define PIC_ICW1_INIT 0x10
#define PIC_ICW1_NEED_ICW4 0x01
#define PIC_ICW3_MASTER_SLAVE_ON_IR2 0x04 /* bit mask: slave wired to IR2 */
#define PIC_ICW3_SLAVE_ID 0x02            /* slave's cascade identity */
#define PIC_ICW4_8086 0x01
#define PIC_OCW1_MASK_ALL 0xff
#define PIC_OCW2_EOI 0x20
#define PIC_IRQS_PER_CHIP 8

void pic_disable(void)
{
    outb(PIC_MASTER_CMD, PIC_ICW1_INIT | PIC_ICW1_NEED_ICW4);
    outb(PIC_SLAVE_CMD, PIC_ICW1_INIT | PIC_ICW1_NEED_ICW4);
    outb(PIC_MASTER_DATA, IRQ_VECTOR_PIC_BASE);
    outb(PIC_SLAVE_DATA, IRQ_VECTOR_PIC_BASE + PIC_IRQS_PER_CHIP);
    outb(PIC_MASTER_DATA, PIC_ICW3_MASTER_SLAVE_ON_IR2);
    outb(PIC_SLAVE_DATA, PIC_ICW3_SLAVE_ID);
    outb(PIC_MASTER_DATA, PIC_ICW4_8086);
    outb(PIC_SLAVE_DATA, PIC_ICW4_8086);
    outb(PIC_MASTER_DATA, PIC_OCW1_MASK_ALL);
    outb(PIC_SLAVE_DATA, PIC_OCW1_MASK_ALL);
}

void pic_eoi_master(void)
{
    outb(PIC_MASTER_CMD, PIC_OCW2_EOI);
}
