/* SPDX-License-Identifier: MIT */
/* The IDT: 256 interrupt gates to the stubs in trap_entry.asm (SDM vol. 3 6.14.1).
 * Interrupt gates (not trap gates) so every handler starts with IF=0, as the kernel's
 * execution model requires. #DF, NMI and #MC switch to their own IST stacks. */
#include <arch/gdt.h>
#include <arch/trap.h>

#define IDT_GATE_INTERRUPT 0xeu      /* SDM vol. 3 table 3-2: 64-bit interrupt gate */
#define IDT_GATE_PRESENT (1u << 7)
#define IDT_GATE_DPL3 (3u << 5)      /* reachable by int3/into from user mode */

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;          /* bits 0-2: IST slot, 0 = no stack switch */
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "SDM vol. 3 figure 6-8: 64-bit IDT gates are 16 bytes");

struct idt_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

extern const uint64_t trap_stub_table[TRAP_VECTOR_COUNT];

static struct idt_gate idt[TRAP_VECTOR_COUNT] __attribute__((aligned(16)));

static void idt_set_gate(unsigned vector, uint64_t handler, unsigned ist, unsigned dpl_bits)
{
    struct idt_gate *g = &idt[vector];
    g->offset_low = (uint16_t)handler;
    g->selector = GDT_KERNEL_CODE;
    g->ist = (uint8_t)ist;
    g->type_attr = (uint8_t)(IDT_GATE_PRESENT | dpl_bits | IDT_GATE_INTERRUPT);
    g->offset_mid = (uint16_t)(handler >> 16);
    g->offset_high = (uint32_t)(handler >> 32);
    g->reserved = 0;
}

void idt_init(void)
{
    for (unsigned v = 0; v < TRAP_VECTOR_COUNT; v++) {
        unsigned ist = 0, dpl = 0;
        if (v == TRAP_DOUBLE_FAULT)
            ist = IST_DOUBLE_FAULT;
        else if (v == TRAP_NMI)
            ist = IST_NMI;
        else if (v == TRAP_MACHINE_CHECK)
            ist = IST_MACHINE_CHECK;
        else if (v == TRAP_BREAKPOINT || v == TRAP_OVERFLOW)
            dpl = IDT_GATE_DPL3;
        idt_set_gate(v, trap_stub_table[v], ist, dpl);
    }
    struct idt_pointer ptr = { .limit = sizeof idt - 1, .base = (uint64_t)(uintptr_t)idt };
    __asm__ volatile("lidt %0" : : "m"(ptr) : "memory");
}
