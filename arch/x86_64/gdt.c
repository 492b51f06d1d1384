/* SPDX-License-Identifier: MIT */
/* GDT and TSS setup (SDM vol. 3 3.4.5 segment descriptors, 7.2.3 the 64-bit TSS).
 * Flat segments only: in long mode base and limit are ignored except for the TSS.
 * The IST stacks start as static .bss arrays (no guard page) so that faults are reported
 * from the first instruction; ist_stacks_init moves them to kstack_alloc stacks, which
 * have an unmapped guard page below, once paging is up. */
#include <arch/gdt.h>

#include "kernel/ktest.h"
#include "kernel/libc.h"
#include "kernel/mm.h"
#include "kernel/panic.h"

/* Descriptor access byte (SDM vol. 3 3.4.5, table 3-1). */
#define SEG_ACCESS_PRESENT (1u << 7)
#define SEG_ACCESS_DPL3 (3u << 5)
#define SEG_ACCESS_CODE_DATA (1u << 4) /* S: code/data, not system */
#define SEG_ACCESS_EXEC (1u << 3)
#define SEG_ACCESS_RW (1u << 1)        /* readable code / writable data */
#define SEG_TYPE_TSS_AVAILABLE 0x9u    /* SDM vol. 3 table 3-2: 64-bit TSS (available) */
/* Descriptor flags nibble, bits 52-55. */
#define SEG_FLAG_LONG (1u << 1)        /* L: 64-bit code */
#define SEG_FLAG_DB (1u << 2)          /* D/B: 32-bit default (data) */
#define SEG_FLAG_GRANULARITY (1u << 3) /* limit in 4 KiB units */
#define SEG_LIMIT_MAX 0xfffffu
/* Field positions in a descriptor's low quadword (SDM vol. 3 figure 3-8). */
#define SEG_LIMIT_LOW_MASK 0xffffu
#define SEG_LIMIT_HIGH_SHIFT 48
#define SEG_BASE_LOW_SHIFT 16
#define SEG_BASE_LOW_BITS 24
#define SEG_BASE_LOW_MASK 0xffffffull
#define SEG_ACCESS_SHIFT 40
#define SEG_FLAGS_SHIFT 52
#define SEG_BASE_HIGH_SHIFT 56
#define SEG_BASE_HIGH_MASK 0xffull

#define GDT_ENTRIES 7 /* null, kcode, kdata, udata, ucode, tss (two slots) */

struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7]; /* ist[0] is IST1 */
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "SDM vol. 3 figure 7-11: the 64-bit TSS is 104 bytes");

struct gdt_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static uint8_t ist_boot_stacks[IST_COUNT][IST_STACK_SIZE] __attribute__((aligned(16)));
static uint64_t ist_tops[IST_COUNT]; /* current top of each IST stack; IST_STACK_SIZE below it is the stack */

static uint64_t gdt_segment(uint32_t access, uint32_t flags)
{
    uint64_t d = SEG_LIMIT_MAX & SEG_LIMIT_LOW_MASK;
    d |= (uint64_t)access << SEG_ACCESS_SHIFT;
    d |= (uint64_t)(SEG_LIMIT_MAX >> 16) << SEG_LIMIT_HIGH_SHIFT;
    d |= (uint64_t)flags << SEG_FLAGS_SHIFT;
    return d;
}

/* A 16-byte system descriptor for the TSS: low quadword, then base bits 32-63. */
static void gdt_set_tss(unsigned index, uint64_t base, uint32_t limit)
{
    uint64_t lo = limit & SEG_LIMIT_LOW_MASK;
    lo |= (base & SEG_BASE_LOW_MASK) << SEG_BASE_LOW_SHIFT;
    lo |= (uint64_t)(SEG_ACCESS_PRESENT | SEG_TYPE_TSS_AVAILABLE) << SEG_ACCESS_SHIFT;
    lo |= (uint64_t)((limit >> 16) & 0xfu) << SEG_LIMIT_HIGH_SHIFT;
    lo |= ((base >> SEG_BASE_LOW_BITS) & SEG_BASE_HIGH_MASK) << SEG_BASE_HIGH_SHIFT;
    gdt[index] = lo;
    gdt[index + 1] = base >> 32;
}

uint64_t ist_stack_top(unsigned ist)
{
    if (ist < 1 || ist > IST_COUNT)
        return 0;
    return ist_tops[ist - 1];
}

bool ist_stack_contains(unsigned ist, uint64_t addr)
{
    uint64_t top = ist_stack_top(ist);
    return top != 0 && addr >= top - IST_STACK_SIZE && addr <= top;
}

void ist_stacks_init(void)
{
    for (unsigned i = 1; i <= IST_COUNT; i++) {
        uint64_t top = kstack_alloc(IST_STACK_SIZE / PAGE_SIZE);
        if (top == 0)
            panic("gdt: no memory for IST%u stack", i);
        ist_tops[i - 1] = top;
        tss.ist[i - 1] = top;
    }
}

void tss_set_kernel_stack(uint64_t rsp0)
{
    tss.rsp[0] = rsp0;
}

void gdt_init(void)
{
    const uint32_t code = SEG_ACCESS_PRESENT | SEG_ACCESS_CODE_DATA | SEG_ACCESS_EXEC | SEG_ACCESS_RW;
    const uint32_t data = SEG_ACCESS_PRESENT | SEG_ACCESS_CODE_DATA | SEG_ACCESS_RW;
    gdt[0] = 0;
    gdt[GDT_KERNEL_CODE >> 3] = gdt_segment(code, SEG_FLAG_LONG | SEG_FLAG_GRANULARITY);
    gdt[GDT_KERNEL_DATA >> 3] = gdt_segment(data, SEG_FLAG_DB | SEG_FLAG_GRANULARITY);
    gdt[GDT_USER_DATA >> 3] = gdt_segment(data | SEG_ACCESS_DPL3, SEG_FLAG_DB | SEG_FLAG_GRANULARITY);
    gdt[GDT_USER_CODE >> 3] = gdt_segment(code | SEG_ACCESS_DPL3, SEG_FLAG_LONG | SEG_FLAG_GRANULARITY);

    memset(&tss, 0, sizeof tss);
    for (unsigned i = 1; i <= IST_COUNT; i++) {
        ist_tops[i - 1] = (uint64_t)(uintptr_t)&ist_boot_stacks[i - 1][IST_STACK_SIZE];
        tss.ist[i - 1] = ist_tops[i - 1];
    }
    tss.iomap_base = sizeof tss; /* no I/O bitmap: user port I/O always faults */
    gdt_set_tss(GDT_TSS >> 3, (uint64_t)(uintptr_t)&tss, sizeof tss - 1);

    struct gdt_pointer ptr = { .limit = sizeof gdt - 1, .base = (uint64_t)(uintptr_t)gdt };
    /* Reload CS with a far return (there is no far jump to a 64-bit immediate), then the
     * data segments; FS and GS get the null selector (their bases are set through MSRs). */
    __asm__ volatile("lgdt %0\n\t"
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movw %w2, %%ax\n\t"
                     "movw %%ax, %%ds\n\t"
                     "movw %%ax, %%es\n\t"
                     "movw %%ax, %%ss\n\t"
                     "xorl %%eax, %%eax\n\t"
                     "movw %%ax, %%fs\n\t"
                     "movw %%ax, %%gs\n\t"
                     "ltr %w3"
                     :
                     : "m"(ptr), "i"(GDT_KERNEL_CODE), "r"((uint32_t)GDT_KERNEL_DATA), "r"((uint32_t)GDT_TSS)
                     : "rax", "memory");
}

KTEST(ist_stacks_have_guard_pages)
{
    for (unsigned i = 1; i <= IST_COUNT; i++) {
        uint64_t top = ist_stack_top(i);
        KT_EXPECT(top >= KERNEL_STACK_AREA && top < KERNEL_VMA);
        KT_EXPECT(pt_query(as_kernel(), top - PAGE_SIZE, NULL, NULL));
        KT_EXPECT(pt_query(as_kernel(), top - IST_STACK_SIZE, NULL, NULL));
        KT_EXPECT(!pt_query(as_kernel(), top - IST_STACK_SIZE - PAGE_SIZE, NULL, NULL));
        KT_EXPECT(ist_stack_contains(i, top - 8));
        KT_EXPECT(!ist_stack_contains(i, top - IST_STACK_SIZE - 8));
    }
}

/* syscall/sysret and iretq to user mode depend on this layout (common brief, SDM vol. 3
 * 5.8.8): check what the CPU sees through sgdt/str, not our own array. */
KTEST(gdt_layout_for_sysret)
{
    struct gdt_pointer ptr;
    uint16_t tr;
    __asm__ volatile("sgdt %0" : "=m"(ptr));
    __asm__ volatile("str %0" : "=r"(tr));
    const uint64_t *g = (const uint64_t *)(uintptr_t)ptr.base;
    KT_EXPECT_EQ(tr, GDT_TSS);
    KT_EXPECT(ptr.limit >= GDT_TSS + 15);
    const uint64_t dpl_mask = (uint64_t)SEG_ACCESS_DPL3 << SEG_ACCESS_SHIFT;
    const uint64_t exec_bit = (uint64_t)SEG_ACCESS_EXEC << SEG_ACCESS_SHIFT;
    const uint64_t present = (uint64_t)SEG_ACCESS_PRESENT << SEG_ACCESS_SHIFT;
    const uint64_t long_bit = (uint64_t)SEG_FLAG_LONG << SEG_FLAGS_SHIFT;
    KT_EXPECT_EQ(g[GDT_KERNEL_CODE >> 3] & (dpl_mask | long_bit | exec_bit | present), long_bit | exec_bit | present);
    KT_EXPECT_EQ(g[GDT_KERNEL_DATA >> 3] & (dpl_mask | exec_bit | present), present);
    KT_EXPECT_EQ(g[GDT_USER_DATA >> 3] & (dpl_mask | exec_bit | present), dpl_mask | present);
    KT_EXPECT_EQ(g[GDT_USER_CODE >> 3] & (dpl_mask | long_bit | exec_bit | present),
                 dpl_mask | long_bit | exec_bit | present);
    /* sysret: SS = STAR.base + 8, CS = STAR.base + 16, both with RPL 3. */
    KT_EXPECT_EQ((GDT_USER_DATA & ~3) + 8, GDT_USER_CODE & ~3);
    uint64_t lo = g[GDT_TSS >> 3];
    uint64_t tss_base = ((lo >> SEG_BASE_LOW_SHIFT) & SEG_BASE_LOW_MASK) |
                        (((lo >> SEG_BASE_HIGH_SHIFT) & SEG_BASE_HIGH_MASK) << SEG_BASE_LOW_BITS) |
                        (g[(GDT_TSS >> 3) + 1] << 32);
    KT_EXPECT_EQ(tss_base, (uint64_t)(uintptr_t)&tss);
}
