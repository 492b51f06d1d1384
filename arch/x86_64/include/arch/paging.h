/* SPDX-License-Identifier: MIT */
/* x86-64 4-level paging entries (SDM vol. 3 4.5, tables 4-15 to 4-20) and the arch side of
 * the kernel's page tables (arch/x86_64/paging.c). The interface the rest of the kernel
 * uses (address spaces, pt_map, mmio_map) is in kernel/mm.h; this header is for arch code. */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#include <stdint.h>

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITE (1ull << 1)
#define PTE_USER (1ull << 2)
#define PTE_PWT (1ull << 3)      /* page-level write-through */
#define PTE_PCD (1ull << 4)      /* page-level cache disable */
#define PTE_ACCESSED (1ull << 5) /* set by the CPU on any access */
#define PTE_DIRTY (1ull << 6)    /* set by the CPU on a write (leaf entries) */
#define PTE_HUGE (1ull << 7)     /* PS: 1 GiB page in a PDPTE, 2 MiB page in a PDE */
#define PTE_GLOBAL (1ull << 8)
/* Bits 11:9 of a leaf are ignored by the CPU (SDM vol. 3 table 4-19): a not-present 4 KiB
 * leaf with this bit still holds its frame (PT_NO_ACCESS, the PROT_NONE page). */
#define PTE_NO_ACCESS (1ull << 9)
#define PTE_NX (1ull << 63)      /* execute disable; needs EFER.NXE (set by boot/multiboot.asm) */
#define PTE_ADDR_MASK 0x000ffffffffff000ull /* bits 51:12, MAXPHYADDR 52 */

#define PT_ENTRIES 512
#define PT_LEVEL_SHIFT 9
#define PT_HUGE_2M (1ull << 21)
#define PT_HUGE_1G (1ull << 30)
#define PML4_INDEX(va) (((va) >> 39) & 511)
#define PML4_KERNEL_FIRST 256 /* entries 256..511 (the upper half) are shared by all spaces */

#define CPUID_EXT_FEATURES 0x80000001u
#define CPUID_EXT_EDX_PAGE1GB (1u << 26) /* 1 GiB pages (SDM vol. 2 CPUID) */

/* Physical address of the kernel's PML4 (the template every address space copies). */
uint64_t paging_kernel_root(void);

#endif
