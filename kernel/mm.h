/* SPDX-License-Identifier: MIT */
/* Kernel memory interface: physical frames, the direct map, the kernel heap, and the
 * kernel's own page tables. Implemented by kernel/frame_alloc.c, kernel/heap.c and
 * arch/x86_64/paging.c. All of it runs with interrupts off (one CPU per node).
 *
 * Virtual layout (x86-64, 4-level paging):
 *   0x0000000000000000 - 0x00007fffffffffff  user (the shared DSM address space)
 *   0xffff800000000000 + phys               direct map of all RAM (RW, NX)
 *   0xffffc00000000000 ...                  kernel stacks, each under an unmapped guard page
 *   0xffffffff80000000 + phys               kernel image (text RX, rodata R, data/bss RW NX)
 */
#ifndef KERNEL_MM_H
#define KERNEL_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE 4096ull
#define PAGE_SHIFT 12
#define DIRECT_MAP_BASE 0xffff800000000000ull
#define KERNEL_STACK_AREA 0xffffc00000000000ull
#define KERNEL_VMA 0xffffffff80000000ull
#define USER_SPACE_END 0x0000800000000000ull

#define PAGE_ALIGN_DOWN(x) ((x) & ~(PAGE_SIZE - 1))
#define PAGE_ALIGN_UP(x) (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

/* The direct map: every RAM frame at DIRECT_MAP_BASE + phys (valid after paging_init). */
static inline void *phys_to_virt(uint64_t phys) { return (void *)(uintptr_t)(DIRECT_MAP_BASE + phys); }
/* Physical address of a direct-map or kernel-image address (for DMA). */
uint64_t virt_to_phys(const void *va);

#endif
