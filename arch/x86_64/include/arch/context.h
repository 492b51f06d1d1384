/* SPDX-License-Identifier: MIT */
/* A user thread's CPU state and the switch between kernel stacks.
 * While a user thread is in the kernel, its user registers sit in a struct trap_frame at
 * the top of its kernel stack (pushed by syscall_entry.asm or by trap_entry.asm), its FS
 * base and FPU area in its struct thread. struct user_context gathers all of it into one
 * self-contained snapshot (DESIGN.md 5): enough to resume the thread on another node or
 * from a checkpoint. Follows the SysV x86-64 psABI for which registers a call preserves. */
#ifndef ARCH_CONTEXT_H
#define ARCH_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include <arch/fpu.h>
#include <arch/trap.h>

#define MSR_EFER 0xC0000080u          /* SDM vol. 4 table 2-2 */
#define MSR_STAR 0xC0000081u          /* syscall/sysret selectors */
#define MSR_LSTAR 0xC0000082u         /* 64-bit syscall entry RIP */
#define MSR_SFMASK 0xC0000084u        /* RFLAGS bits cleared on syscall */
#define MSR_FS_BASE 0xC0000100u
#define EFER_SCE (1ull << 0)          /* syscall enable */
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_DF (1ull << 10)
#define RFLAGS_AC (1ull << 18)
#define RFLAGS_RESERVED1 (1ull << 1)  /* always reads 1 */
/* The user-changeable RFLAGS bits (SDM vol. 1 3.4.3): CF PF AF ZF SF TF DF OF AC ID. */
#define RFLAGS_USER_MASK 0x00240dd5ull
#define SYSCALL_FRAME_VECTOR 0x100    /* trap_frame.vector of a frame pushed by syscall entry */

/* Everything needed to resume a user thread exactly where it stopped. */
struct user_context {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t rip, rsp, rflags;
    uint64_t fs_base;
    struct fpu_state fpu;
};

/* Copies the user registers of frame plus fs_base and fpu into ctx. */
void user_context_capture(struct user_context *ctx, const struct trap_frame *frame, uint64_t fs_base,
                          const struct fpu_state *fpu);
/* Writes ctx's general registers into frame as a user-mode frame (user selectors, sane
 * RFLAGS with IF set); the FS base and FPU area are the caller's to install. */
void user_context_to_frame(const struct user_context *ctx, struct trap_frame *frame);
/* Enables syscall/sysret (EFER.SCE, STAR, LSTAR, SFMASK clearing IF DF TF AC). */
void syscall_arch_init(void);
/* Transitional (see arch/x86_64/user_tables.c): lets user pages live in the current
 * (kernel) address space's low 512 GiB beside its supervisor-only device window. */
void user_tables_open_low_half(void);
/* Writes the FS base MSR (a thread's TLS pointer). */
void context_set_fs_base(uint64_t base);

/* The kernel stack top syscall_entry.asm switches to: the running thread's. */
extern uint64_t syscall_kernel_rsp;

/* Saves callee-saved registers on the current stack, stores RSP to *save_rsp, switches to
 * load_rsp and returns into whatever that stack was saved by (or context_first_entry). */
void context_switch(uint64_t *save_rsp, uint64_t load_rsp);
/* Where a new thread's kernel stack first returns to: it calls sched_thread_started()
 * and then leaves to user mode through the trap_frame above it (iretq). */
void context_first_entry(void);

#endif
