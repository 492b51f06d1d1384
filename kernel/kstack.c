/* SPDX-License-Identifier: MIT */
/* Kernel stacks in KERNEL_STACK_AREA: fixed slots of 16 pages of address space; a stack of
 * n pages occupies the top n of its slot, so at least the page below it is never mapped and
 * an overflow faults instead of corrupting a neighbour. Not done: growing a stack. */
#include "kernel/libc.h"
#include "kernel/mm.h"
#include "kernel/panic.h"

#define KSTACK_SLOT_PAGES (KSTACK_MAX_PAGES + 1)
#define KSTACK_SLOT_BYTES (KSTACK_SLOT_PAGES * PAGE_SIZE)

static uint64_t slot_used[KSTACK_SLOTS / 64]; /* bit set = slot holds a stack */

static uint64_t slot_top(size_t slot)
{
    return KERNEL_STACK_AREA + (slot + 1) * KSTACK_SLOT_BYTES;
}

/* Unmaps and frees the stack pages below top, down to the first unmapped page. */
static void unmap_stack(uint64_t top)
{
    uint64_t phys;
    for (uint64_t va = top - PAGE_SIZE; pt_unmap(as_kernel(), va, &phys) == PT_OK; va -= PAGE_SIZE)
        frame_free(phys);
}

uint64_t kstack_alloc(size_t pages)
{
    if (pages == 0 || pages > KSTACK_MAX_PAGES)
        return 0;
    for (size_t slot = 0; slot < KSTACK_SLOTS; slot++) {
        if (slot_used[slot / 64] & (1ull << (slot % 64)))
            continue;
        uint64_t top = slot_top(slot);
        for (size_t i = 1; i <= pages; i++) {
            uint64_t phys = frame_alloc();
            if (!phys || pt_map(as_kernel(), top - i * PAGE_SIZE, phys, PT_WRITE) != PT_OK) {
                if (phys)
                    frame_free(phys);
                unmap_stack(top);
                return 0;
            }
            memset((void *)(uintptr_t)(top - i * PAGE_SIZE), 0, PAGE_SIZE);
        }
        slot_used[slot / 64] |= 1ull << (slot % 64);
        return top;
    }
    return 0;
}

void kstack_free(uint64_t top)
{
    size_t slot = (size_t)((top - KERNEL_STACK_AREA) / KSTACK_SLOT_BYTES) - 1;
    if (top <= KERNEL_STACK_AREA || (top - KERNEL_STACK_AREA) % KSTACK_SLOT_BYTES != 0 || slot >= KSTACK_SLOTS ||
        !(slot_used[slot / 64] & (1ull << (slot % 64))))
        panic("kstack_free(0x%llx): not a stack top kstack_alloc gave out", (unsigned long long)top);
    unmap_stack(top);
    slot_used[slot / 64] &= ~(1ull << (slot % 64));
}
