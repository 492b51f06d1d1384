/* SPDX-License-Identifier: MIT */
/* Transitional fix-up so the program can share the kernel's address space: the kernel
 * tables map a device window at 3-4 GiB in the user half (arch/x86_64/paging.c, "legacy
 * MMIO window", until lapic.c and pci.c use mmio_map), and the PML4/PDPT entries above it
 * were made supervisor-only, which hides every user page below 512 GiB (SDM vol. 3 4.6.1:
 * a user access needs U/S=1 at every level). We set U/S on those table entries only; the
 * window's 2 MiB leaves keep U/S=0, so user code still cannot touch the devices. */
#include <arch/context.h>
#include <arch/cpu.h>

#include "kernel/mm.h"

#define PTE_PRESENT (1ull << 0)
#define PTE_USER (1ull << 2)
#define PTE_HUGE (1ull << 7)
#define PTE_ADDR_MASK 0x000ffffffffff000ull
#define PT_ENTRIES 512

void user_tables_open_low_half(void)
{
    uint64_t *pml4 = phys_to_virt(cpu_read_cr3() & PTE_ADDR_MASK);
    if (!(pml4[0] & PTE_PRESENT))
        return;
    pml4[0] |= PTE_USER;
    uint64_t *pdpt = phys_to_virt(pml4[0] & PTE_ADDR_MASK);
    for (int i = 0; i < PT_ENTRIES; i++)
        if ((pdpt[i] & PTE_PRESENT) && !(pdpt[i] & PTE_HUGE))
            pdpt[i] |= PTE_USER;
    cpu_write_cr3(cpu_read_cr3()); /* flush: the TLB may hold the old rights */
}
