/* SPDX-License-Identifier: MIT */
/* CPU protections for the user/kernel boundary: SMEP (the kernel never executes user
 * pages) and SMAP (the kernel touches user pages only inside STAC/CLAC), SDM vol. 3 4.6,
 * enabled when CPUID leaf 7 offers them; NX (EFER.NXE) is set by boot/multiboot.asm. */
#include <arch/cpu.h>
#include <arch/usercopy.h>

#include "kernel/log.h"

#define CPUID_LEAF_EXT_FEATURES 7
#define CPUID7_EBX_SMEP (1u << 7)
#define CPUID7_EBX_SMAP (1u << 20)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)

static bool usercopy_smap_enabled;

void usercopy_cpu_protect_init(void)
{
    struct cpuid_regs max = cpu_cpuid(0, 0);
    uint32_t ebx = max.eax >= CPUID_LEAF_EXT_FEATURES ? cpu_cpuid(CPUID_LEAF_EXT_FEATURES, 0).ebx : 0;
    uint64_t cr4 = cpu_read_cr4();
    if (ebx & CPUID7_EBX_SMEP)
        cr4 |= CR4_SMEP;
    if (ebx & CPUID7_EBX_SMAP)
        cr4 |= CR4_SMAP;
    cpu_write_cr4(cr4);
    usercopy_smap_enabled = (ebx & CPUID7_EBX_SMAP) != 0;
    log_info("user: SMEP %s, SMAP %s, NX on", (ebx & CPUID7_EBX_SMEP) ? "on" : "not offered",
             usercopy_smap_enabled ? "on" : "not offered");
}

void usercopy_smap_open(void)
{
    if (usercopy_smap_enabled)
        __asm__ volatile("stac" ::: "memory");
}

void usercopy_smap_close(void)
{
    if (usercopy_smap_enabled)
        __asm__ volatile("clac" ::: "memory");
}
