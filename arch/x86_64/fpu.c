/* SPDX-License-Identifier: MIT */
/* x87/SSE enablement and FXSAVE/FXRSTOR (SDM vol. 3 13.1-13.4, vol. 1 10.5). Eager
 * switching: the scheduler saves and restores on every switch between user threads;
 * there is no lazy #NM trick (it would make the state spread over time, and a thread
 * snapshot must be complete at any switch). */
#include <arch/cpu.h>
#include <arch/fpu.h>

#include "kernel/libc.h"

#define CR0_MP (1ull << 1) /* SDM vol. 3 2.5: monitor coprocessor */
#define CR0_EM (1ull << 2) /* emulation: must be clear for SSE */
#define CR0_TS (1ull << 3) /* task switched: clear, no lazy switching */
#define CR0_NE (1ull << 5) /* native x87 error reporting (#MF) */
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)

static struct fpu_state fpu_initial_state;

void fpu_save(struct fpu_state *st)
{
    __asm__ volatile("fxsave64 %0" : "=m"(*st));
}

void fpu_restore(const struct fpu_state *st)
{
    __asm__ volatile("fxrstor64 %0" : : "m"(*st));
}

void fpu_init(void)
{
    uint64_t cr0 = cpu_read_cr0();
    cr0 = (cr0 | CR0_MP | CR0_NE) & ~(CR0_EM | CR0_TS);
    cpu_write_cr0(cr0);
    cpu_write_cr4(cpu_read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
    uint32_t mxcsr = FPU_MXCSR_DEFAULT;
    __asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
    fpu_save(&fpu_initial_state);
}

void fpu_state_init(struct fpu_state *st)
{
    memcpy(st, &fpu_initial_state, sizeof *st);
}
