/* SPDX-License-Identifier: MIT */
/* User FPU/SSE state: the legacy FXSAVE area (SDM vol. 1 10.5.1, table 10-2). The kernel
 * itself never touches x87/SSE (built with -mno-sse), so a thread's area is saved when it
 * is switched out and restored when it is switched in. No XSAVE/AVX: CR4.OSXSAVE stays
 * clear, so CPUID tells user code that AVX state is not enabled. */
#ifndef ARCH_FPU_H
#define ARCH_FPU_H

#include <stdint.h>

#define FPU_AREA_SIZE 512
#define FPU_MXCSR_DEFAULT 0x1f80u /* SDM vol. 1 10.2.3.1: all exceptions masked, round to nearest */
#define FPU_FCW_DEFAULT 0x037fu   /* SDM vol. 1 8.1.5: value after FNINIT */

struct fpu_state {
    uint8_t area[FPU_AREA_SIZE];
} __attribute__((aligned(16)));
_Static_assert(sizeof(struct fpu_state) == FPU_AREA_SIZE, "FXSAVE area is 512 bytes");

/* Enables x87/SSE for user code (CR0.MP, ~EM, ~TS; CR4.OSFXSR, OSXMMEXCPT) and records
 * the initial state new programs start with. Once, before the first user thread. */
void fpu_init(void);
/* Fills st with the state a new program starts with (FNINIT, default MXCSR). */
void fpu_state_init(struct fpu_state *st);
/* Saves the CPU's current x87/SSE registers into st. */
void fpu_save(struct fpu_state *st);
/* Loads st into the CPU; st must come from fpu_save or fpu_state_init. */
void fpu_restore(const struct fpu_state *st);

#endif
