/* SPDX-License-Identifier: MIT */
/* In-kernel tests of the memory layer: frames through the direct map, page tables of a
 * fresh address space, stack guard pages, the heap, MMIO mappings, and the W^X / no-NULL
 * layout checked both by pt_query and by actually faulting (with a #PF handler claimed
 * through arch/trap.h for the duration of a probe). */
#include <arch/cpu.h>
#include <arch/trap.h>

#include "kernel/heap.h"
#include "kernel/ktest.h"
#include "kernel/libc.h"
#include "kernel/mm.h"

#define KT_FRAMES 1000
#define KT_USER_VA 0x400000ull         /* an ordinary user address for the round trip */
#define KT_LAPIC_PHYS 0xfee00000ull    /* SDM vol. 3 10.4.1 default base */
#define KT_LAPIC_VERSION_REG 0x30      /* SDM vol. 3 table 10-1 */
#define KT_X86_RET 0xc3                /* opcode of a near return */
#define KT_HEAP_SLOTS 200

extern char _text_start[], _rodata_start[], _data_start[];

KTEST(mm_frames_alloc_free_many)
{
    static uint64_t frames[KT_FRAMES];
    uint64_t free_before = frame_free_count();
    for (int i = 0; i < KT_FRAMES; i++) {
        frames[i] = frame_alloc();
        if (!KT_EXPECT(frames[i] != 0 && frames[i] % PAGE_SIZE == 0))
            return;
        *(uint64_t *)phys_to_virt(frames[i]) = frames[i] ^ 0x5a5a5a5aull; /* a tag per frame */
    }
    KT_EXPECT_EQ(frame_free_count(), free_before - KT_FRAMES);
    for (int i = 0; i < KT_FRAMES; i++)
        KT_EXPECT_EQ(*(uint64_t *)phys_to_virt(frames[i]), frames[i] ^ 0x5a5a5a5aull);
    for (int i = 0; i < KT_FRAMES; i++)
        frame_free(frames[i]);
    KT_EXPECT_EQ(frame_free_count(), free_before);
}

KTEST(mm_frames_contig_orders_aligned)
{
    uint64_t free_before = frame_free_count();
    for (unsigned order = 0; order <= 10; order++) {
        uint64_t phys = frame_alloc_contig(order);
        KT_EXPECT(phys != 0);
        KT_EXPECT_EQ(phys % (PAGE_SIZE << order), 0);
        memset(phys_to_virt(phys), 0xa5, PAGE_SIZE << order);
        frame_free_contig(phys, order);
    }
    KT_EXPECT_EQ(frame_free_count(), free_before);
}

KTEST(mm_direct_map_and_virt_to_phys)
{
    uint64_t phys = frame_alloc();
    uint8_t *va = phys_to_virt(phys);
    va[0] = 1;
    va[PAGE_SIZE - 1] = 2;
    KT_EXPECT_EQ(va[0] + va[PAGE_SIZE - 1], 3);
    KT_EXPECT_EQ(virt_to_phys(va + 17), phys + 17);
    KT_EXPECT_EQ(virt_to_phys(_data_start), (uint64_t)(uintptr_t)_data_start - KERNEL_VMA);
    uint64_t got;
    unsigned flags;
    KT_EXPECT(pt_query(as_kernel(), (uint64_t)(uintptr_t)va, &got, &flags));
    KT_EXPECT_EQ(got, phys);
    KT_EXPECT((flags & PT_WRITE) && !(flags & PT_EXEC) && !(flags & PT_USER));
    frame_free(phys);
}

KTEST(mm_layout_wx_and_no_identity)
{
    unsigned flags = 0;
    KT_EXPECT(pt_query(as_kernel(), (uint64_t)(uintptr_t)_text_start, NULL, &flags));
    KT_EXPECT((flags & PT_EXEC) && !(flags & PT_WRITE));
    KT_EXPECT(pt_query(as_kernel(), (uint64_t)(uintptr_t)_rodata_start, NULL, &flags));
    KT_EXPECT(!(flags & PT_EXEC) && !(flags & PT_WRITE));
    KT_EXPECT(pt_query(as_kernel(), (uint64_t)(uintptr_t)_data_start, NULL, &flags));
    KT_EXPECT(!(flags & PT_EXEC) && (flags & PT_WRITE));
    KT_EXPECT(!pt_query(as_kernel(), 0, NULL, NULL));
    KT_EXPECT(!pt_query(as_kernel(), 0x100000, NULL, NULL)); /* where the image was loaded */
    for (uint64_t va = 0; va < 0x100000000ull; va += 1ull << 21) /* nothing of the boot identity map is left */
        KT_EXPECT(!pt_query(as_kernel(), va, NULL, NULL));
    KT_EXPECT(!pt_query(as_kernel(), 0xfee00000ull, NULL, NULL)); /* devices only through mmio_map */
}

KTEST(mm_address_space_round_trip)
{
    struct addr_space *as = as_create();
    if (!KT_EXPECT(as != NULL))
        return;
    uint64_t a = frame_alloc(), b = frame_alloc(), got = 0;
    unsigned flags = 0;
    memset(phys_to_virt(a), 0x11, PAGE_SIZE);
    memset(phys_to_virt(b), 0x22, PAGE_SIZE);
    KT_EXPECT(!pt_query(as, KT_USER_VA, NULL, NULL));
    KT_EXPECT_EQ(pt_map(as, KT_USER_VA, a, PT_USER | PT_WRITE), PT_OK);
    KT_EXPECT_EQ(pt_map(as, KT_USER_VA, b, PT_USER | PT_WRITE), PT_ERR_EXISTS);
    KT_EXPECT_EQ(pt_map(as, KT_USER_VA + 1, b, PT_USER), PT_ERR_BAD_ADDR);
    KT_EXPECT_EQ(pt_map(as, KT_USER_VA + PAGE_SIZE, b, PT_WRITE), PT_ERR_BAD_ADDR); /* user half needs PT_USER */
    KT_EXPECT_EQ(pt_map(as, 0x0000900000000000ull, b, PT_USER), PT_ERR_BAD_ADDR);   /* non-canonical */
    KT_EXPECT(pt_query(as, KT_USER_VA + 5, &got, &flags));
    KT_EXPECT_EQ(got, a);
    KT_EXPECT_EQ(flags & (PT_USER | PT_WRITE | PT_EXEC), PT_USER | PT_WRITE);
    KT_EXPECT(!pt_query(as_kernel(), KT_USER_VA, NULL, NULL)); /* the user half is not shared */

    as_activate(as); /* kernel code keeps running: the upper half is shared */
    KT_EXPECT(as_current() == as);
    volatile uint8_t *user = (volatile uint8_t *)(uintptr_t)KT_USER_VA;
    KT_EXPECT_EQ(user[0], 0x11);
    user[1] = 0x33;
    KT_EXPECT_EQ(((uint8_t *)phys_to_virt(a))[1], 0x33);
    KT_EXPECT(pt_query(as, KT_USER_VA, NULL, &flags) && (flags & PT_DIRTY) && (flags & PT_ACCESSED));
    bool dirty = false;
    KT_EXPECT_EQ(pt_clear_dirty(as, KT_USER_VA, &dirty), PT_OK);
    KT_EXPECT(dirty);
    KT_EXPECT(pt_query(as, KT_USER_VA, NULL, &flags) && !(flags & (PT_DIRTY | PT_ACCESSED)));
    KT_EXPECT_EQ(user[2], 0x11); /* a read sets accessed only */
    KT_EXPECT(pt_query(as, KT_USER_VA, NULL, &flags) && (flags & PT_ACCESSED) && !(flags & PT_DIRTY));
    user[3] = 0x44; /* the flush made this write set dirty again */
    KT_EXPECT(pt_query(as, KT_USER_VA, NULL, &flags) && (flags & PT_DIRTY));
    bool accessed = false;
    KT_EXPECT_EQ(pt_clear_accessed(as, KT_USER_VA, &accessed), PT_OK);
    KT_EXPECT(accessed);
    KT_EXPECT(pt_query(as, KT_USER_VA, NULL, &flags) && !(flags & PT_ACCESSED) && (flags & PT_DIRTY));
    KT_EXPECT_EQ(pt_clear_accessed(as, KT_USER_VA, &accessed), PT_OK);
    KT_EXPECT(!accessed); /* nothing used it since */
    KT_EXPECT_EQ(user[4], 0x11); /* the flush made this read set accessed again */
    KT_EXPECT(pt_query(as, KT_USER_VA, NULL, &flags) && (flags & PT_ACCESSED));
    KT_EXPECT_EQ(pt_unmap(as, KT_USER_VA, &got), PT_OK); /* must flush: the TLB holds a */
    KT_EXPECT_EQ(got, a);
    KT_EXPECT_EQ(pt_map(as, KT_USER_VA, b, PT_USER), PT_OK);
    KT_EXPECT_EQ(user[0], 0x22);
    KT_EXPECT_EQ(pt_protect(as, KT_USER_VA, PT_USER | PT_EXEC), PT_OK);
    KT_EXPECT(pt_query(as, KT_USER_VA, NULL, &flags) && (flags & PT_EXEC) && !(flags & PT_WRITE));
    as_activate(as_kernel());

    KT_EXPECT_EQ(pt_unmap(as, KT_USER_VA, &got), PT_OK);
    KT_EXPECT_EQ(got, b);
    KT_EXPECT_EQ(pt_unmap(as, KT_USER_VA, &got), PT_ERR_NOT_MAPPED);
    KT_EXPECT_EQ(pt_protect(as, KT_USER_VA, PT_USER), PT_ERR_NOT_MAPPED);
    KT_EXPECT_EQ(pt_clear_dirty(as, KT_USER_VA, NULL), PT_ERR_NOT_MAPPED);
    KT_EXPECT_EQ(pt_clear_accessed(as, KT_USER_VA, NULL), PT_ERR_NOT_MAPPED);
    KT_EXPECT(!pt_query(as, KT_USER_VA, NULL, NULL));
    uint64_t free_before = frame_free_count();
    as_destroy(as);
    KT_EXPECT(frame_free_count() > free_before); /* its tables came back */
    frame_free(a);
    frame_free(b);
}

/* A PT_NO_ACCESS entry (PROT_NONE) keeps its frame where pt_query, pt_protect and pt_unmap
 * find it, is never taken as free by pt_map, and turns present again with its bytes. */
KTEST(mm_no_access_entry_keeps_its_frame)
{
    struct addr_space *as = as_create();
    if (!KT_EXPECT(as != NULL))
        return;
    uint64_t a = frame_alloc(), b = frame_alloc(), got = 0;
    unsigned flags = 0;
    memset(phys_to_virt(a), 0x5a, PAGE_SIZE);
    KT_EXPECT_EQ(pt_map(as, KT_USER_VA, a, PT_USER | PT_WRITE), PT_OK);
    KT_EXPECT_EQ(pt_protect(as, KT_USER_VA, PT_USER | PT_NO_ACCESS), PT_OK);
    KT_EXPECT(pt_query(as, KT_USER_VA, &got, &flags));
    KT_EXPECT_EQ(got, a);
    KT_EXPECT_EQ(flags & (PT_NO_ACCESS | PT_WRITE | PT_EXEC), PT_NO_ACCESS);
    KT_EXPECT_EQ(pt_map(as, KT_USER_VA, b, PT_USER), PT_ERR_EXISTS);
    KT_EXPECT_EQ(pt_protect(as, KT_USER_VA, PT_USER), PT_OK);
    KT_EXPECT(pt_query(as, KT_USER_VA, &got, &flags) && !(flags & PT_NO_ACCESS));
    as_activate(as);
    KT_EXPECT_EQ(((volatile uint8_t *)(uintptr_t)KT_USER_VA)[7], 0x5a);
    as_activate(as_kernel());
    KT_EXPECT_EQ(pt_protect(as, KT_USER_VA, PT_USER | PT_NO_ACCESS), PT_OK);
    KT_EXPECT_EQ(pt_unmap(as, KT_USER_VA, &got), PT_OK);
    KT_EXPECT_EQ(got, a);
    KT_EXPECT(!pt_query(as, KT_USER_VA, NULL, NULL));
    as_destroy(as);
    frame_free(a);
    frame_free(b);
}

KTEST(mm_kstack_guard_page)
{
    kstack_free(kstack_alloc(1)); /* the area's page tables stay once made: count after them */
    uint64_t free_before = frame_free_count();
    uint64_t top = kstack_alloc(4), top2 = kstack_alloc(KSTACK_MAX_PAGES);
    if (!KT_EXPECT(top != 0 && top2 != 0 && top != top2))
        return;
    KT_EXPECT_EQ(top % 16, 0);
    for (int i = 1; i <= 4; i++)
        KT_EXPECT(pt_query(as_kernel(), top - i * PAGE_SIZE, NULL, NULL));
    KT_EXPECT(!pt_query(as_kernel(), top - 5 * PAGE_SIZE, NULL, NULL)); /* the guard */
    KT_EXPECT(!pt_query(as_kernel(), top2 - (KSTACK_MAX_PAGES + 1) * PAGE_SIZE, NULL, NULL));
    KT_EXPECT(!pt_query(as_kernel(), top, NULL, NULL) || top == top2 - (KSTACK_MAX_PAGES + 1) * PAGE_SIZE);
    memset((void *)(uintptr_t)(top - 4 * PAGE_SIZE), 0x77, 4 * PAGE_SIZE);
    KT_EXPECT_EQ(kstack_alloc(0), 0);
    KT_EXPECT_EQ(kstack_alloc(KSTACK_MAX_PAGES + 1), 0);
    kstack_free(top);
    kstack_free(top2);
    KT_EXPECT(!pt_query(as_kernel(), top - PAGE_SIZE, NULL, NULL));
    KT_EXPECT_EQ(frame_free_count(), free_before);
}

KTEST(mm_heap_stress)
{
    static struct { uint8_t *p; size_t size; uint8_t fill; } live[KT_HEAP_SLOTS];
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (int step = 0; step < 20000; step++) {
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17; /* xorshift64 */
        int i = (int)(seed % KT_HEAP_SLOTS);
        if (live[i].p) {
            bool intact = true;
            for (size_t k = 0; k < live[i].size; k++)
                intact &= live[i].p[k] == live[i].fill;
            KT_EXPECT(intact);
            kfree(live[i].p);
            live[i].p = NULL;
            continue;
        }
        size_t size = (seed >> 20) % 16 == 0 ? (size_t)((seed >> 32) % 20000) : (size_t)((seed >> 32) % 2100);
        live[i].p = kmalloc(size);
        if (!KT_EXPECT(live[i].p != NULL))
            return;
        KT_EXPECT_EQ((uintptr_t)live[i].p % (size >= PAGE_SIZE ? PAGE_SIZE : 16), 0);
        live[i].size = size;
        live[i].fill = (uint8_t)(step | 1);
        memset(live[i].p, live[i].fill, size);
    }
    for (int i = 0; i < KT_HEAP_SLOTS; i++) {
        kfree(live[i].p);
        live[i].p = NULL;
    }
    KT_EXPECT_EQ(kmalloc_stats()->bad_frees, 0);
    KT_EXPECT(kmalloc_stats()->allocs >= kmalloc_stats()->frees);
    uint8_t *z = kzalloc(300);
    bool zero = true;
    for (int k = 0; k < 300; k++)
        zero &= z[k] == 0;
    KT_EXPECT(zero);
    kfree(z);
}

KTEST(mm_mmio_map_lapic)
{
    volatile uint32_t *regs = mmio_map(KT_LAPIC_PHYS, PAGE_SIZE);
    KT_EXPECT((uint64_t)(uintptr_t)regs >= KERNEL_MMIO_AREA);
    KT_EXPECT(mmio_map(KT_LAPIC_PHYS + KT_LAPIC_VERSION_REG, 4) ==
              (volatile uint32_t *)((uintptr_t)regs + KT_LAPIC_VERSION_REG));
    KT_EXPECT((regs[KT_LAPIC_VERSION_REG / 4] & 0xff) != 0); /* version field: 0x1x or 0x14 for QEMU */
    unsigned flags = 0;
    KT_EXPECT(pt_query(as_kernel(), (uint64_t)(uintptr_t)regs, NULL, &flags));
    KT_EXPECT((flags & PT_UNCACHED) && !(flags & PT_EXEC));
    KT_EXPECT_EQ(virt_to_phys((const void *)regs), KT_LAPIC_PHYS);
}

/* ---- faults for real: a #PF handler claimed only while a probe runs ---- */

static volatile uint64_t probe_resume;  /* rip to resume at after the expected #PF; 0: none expected */
static volatile uint64_t probe_error;   /* error code of the #PF taken */
static volatile uint64_t probe_address; /* CR2 of the #PF taken */
static volatile bool probe_faulted;

static bool probe_page_fault(struct trap_frame *frame)
{
    if (trap_from_user(frame) || (!probe_resume && !(frame->error_code & PF_ERR_FETCH)))
        return false;
    probe_faulted = true;
    probe_error = frame->error_code;
    probe_address = cpu_read_cr2();
    if (frame->error_code & PF_ERR_FETCH) {
        /* a call into a no-execute page: return to the caller as the ret there would */
        frame->rip = *(uint64_t *)(uintptr_t)frame->rsp;
        frame->rsp += 8;
    } else {
        frame->rip = probe_resume;
    }
    probe_resume = 0;
    return true;
}

/* Rewrites the byte at p with its own value; true if that faulted. */
static bool probe_write(volatile uint8_t *p)
{
    probe_faulted = false;
    __asm__ volatile("leaq 1f(%%rip), %%rax\n\t"
                     "movq %%rax, %0\n\t"
                     "movb (%1), %%al\n\t"
                     "movb %%al, (%1)\n"
                     "1:\n\t"
                     "movq $0, %0"
                     : "=m"(probe_resume)
                     : "r"(p)
                     : "rax", "memory");
    return probe_faulted;
}

/* Reads the byte at p; true if that faulted. */
static bool probe_read(const volatile uint8_t *p)
{
    probe_faulted = false;
    __asm__ volatile("leaq 1f(%%rip), %%rax\n\t"
                     "movq %%rax, %0\n\t"
                     "movb (%1), %%al\n"
                     "1:\n\t"
                     "movq $0, %0"
                     : "=m"(probe_resume)
                     : "r"(p)
                     : "rax", "memory");
    return probe_faulted;
}

KTEST(mm_faults_text_write_data_exec_null)
{
    trap_handler_fn previous = trap_set_handler(TRAP_PAGE_FAULT, probe_page_fault);
    static uint8_t data_code[16] __attribute__((aligned(16)));
    uint8_t *heap_code = kmalloc(16);

    KT_EXPECT(probe_write((volatile uint8_t *)_text_start));
    KT_EXPECT_EQ(probe_error & (PF_ERR_PRESENT | PF_ERR_WRITE), PF_ERR_PRESENT | PF_ERR_WRITE);
    KT_EXPECT_EQ(probe_address, (uint64_t)(uintptr_t)_text_start);
    KT_EXPECT(probe_write((volatile uint8_t *)_rodata_start));
    KT_EXPECT(!probe_write(data_code)); /* data is writable */
    KT_EXPECT(probe_read((const volatile uint8_t *)0));
    KT_EXPECT_EQ(probe_error & PF_ERR_PRESENT, 0);
    KT_EXPECT(probe_read((const volatile uint8_t *)0x100000));

    data_code[0] = KT_X86_RET;
    heap_code[0] = KT_X86_RET;
    probe_faulted = false;
    ((void (*)(void))(uintptr_t)data_code)();
    KT_EXPECT(probe_faulted && (probe_error & PF_ERR_FETCH));
    KT_EXPECT_EQ(probe_address, (uint64_t)(uintptr_t)data_code);
    probe_faulted = false;
    ((void (*)(void))(uintptr_t)heap_code)();
    KT_EXPECT(probe_faulted && (probe_error & PF_ERR_FETCH));

    kfree(heap_code);
    trap_set_handler(TRAP_PAGE_FAULT, previous);
}
