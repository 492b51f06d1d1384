/* SPDX-License-Identifier: MIT */
/* ktest: a trap taken with RFLAGS.AC set (as user code may leave it) runs its handler with
 * AC clear, so SMAP (SDM vol. 3 4.6.1) guards every handler; iretq restores the AC of the
 * interrupted context. Only meaningful where CPUID offers SMAP (e.g. QEMU -cpu max):
 * elsewhere STAC would be #UD, and the test says it skipped. */
#include <arch/cpu.h>
#include <arch/trap.h>
#include <arch/usercopy.h>

#include "kernel/ktest.h"
#include "kernel/log.h"

#define CR4_SMAP (1ull << 21)
#define RFLAGS_AC (1ull << 18) /* SDM vol. 1 3.4.3.3: alignment check / access control */

static uint64_t handler_rflags;

static bool record_rflags(struct trap_frame *f)
{
    (void)f;
    handler_rflags = cpu_read_rflags();
    return true;
}

KTEST(trap_handler_runs_with_smap_closed)
{
    usercopy_cpu_protect_init(); /* as program start does; idempotent */
    if (!(cpu_read_cr4() & CR4_SMAP)) {
        console_printf("    skipped: SMAP not enabled on this CPU model\n");
        return;
    }
    trap_handler_fn old = trap_set_handler(TRAP_BREAKPOINT, record_rflags);
    __asm__ volatile("stac; int3" ::: "memory");
    uint64_t after = cpu_read_rflags();
    __asm__ volatile("clac" ::: "memory");
    trap_set_handler(TRAP_BREAKPOINT, old);
    KT_EXPECT_EQ(handler_rflags & RFLAGS_AC, 0);
    KT_EXPECT_EQ(after & RFLAGS_AC, RFLAGS_AC);
}
