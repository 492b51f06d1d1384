/* SPDX-License-Identifier: MIT */
/* The C side of arch/context.h: snapshots of a user thread, syscall MSR setup, FS base.
 * STAR layout from SDM vol. 3 5.8.8: sysret loads CS = STAR[63:48]+16 and SS = +8, so
 * STAR[63:48] = 0x10 | 3 gives user code 0x23 and user data 0x1b (GDT layout in arch/gdt.h). */
#include <arch/context.h>
#include <arch/cpu.h>
#include <arch/gdt.h>

#include "kernel/libc.h"

#define STAR_SYSRET_BASE ((uint64_t)(GDT_USER_DATA - 8) << 48) /* 0x13: +8 = 0x1b, +16 = 0x23 */
#define STAR_SYSCALL_CS ((uint64_t)GDT_KERNEL_CODE << 32)
#define SFMASK_BITS (RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC)

uint64_t syscall_kernel_rsp;

void syscall_entry(void);

void syscall_arch_init(void)
{
    cpu_wrmsr(MSR_STAR, STAR_SYSRET_BASE | STAR_SYSCALL_CS);
    cpu_wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)syscall_entry);
    cpu_wrmsr(MSR_SFMASK, SFMASK_BITS);
    cpu_wrmsr(MSR_EFER, cpu_rdmsr(MSR_EFER) | EFER_SCE);
}

void context_set_fs_base(uint64_t base)
{
    cpu_wrmsr(MSR_FS_BASE, base);
}

void user_context_capture(struct user_context *ctx, const struct trap_frame *frame, uint64_t fs_base,
                          const struct fpu_state *fpu)
{
    ctx->r15 = frame->r15;
    ctx->r14 = frame->r14;
    ctx->r13 = frame->r13;
    ctx->r12 = frame->r12;
    ctx->r11 = frame->r11;
    ctx->r10 = frame->r10;
    ctx->r9 = frame->r9;
    ctx->r8 = frame->r8;
    ctx->rbp = frame->rbp;
    ctx->rdi = frame->rdi;
    ctx->rsi = frame->rsi;
    ctx->rdx = frame->rdx;
    ctx->rcx = frame->rcx;
    ctx->rbx = frame->rbx;
    ctx->rax = frame->rax;
    ctx->rip = frame->rip;
    ctx->rsp = frame->rsp;
    ctx->rflags = frame->rflags;
    ctx->fs_base = fs_base;
    memcpy(&ctx->fpu, fpu, sizeof ctx->fpu);
}

void user_context_to_frame(const struct user_context *ctx, struct trap_frame *frame)
{
    frame->r15 = ctx->r15;
    frame->r14 = ctx->r14;
    frame->r13 = ctx->r13;
    frame->r12 = ctx->r12;
    frame->r11 = ctx->r11;
    frame->r10 = ctx->r10;
    frame->r9 = ctx->r9;
    frame->r8 = ctx->r8;
    frame->rbp = ctx->rbp;
    frame->rdi = ctx->rdi;
    frame->rsi = ctx->rsi;
    frame->rdx = ctx->rdx;
    frame->rcx = ctx->rcx;
    frame->rbx = ctx->rbx;
    frame->rax = ctx->rax;
    frame->vector = SYSCALL_FRAME_VECTOR;
    frame->error_code = 0;
    frame->rip = ctx->rip;
    frame->cs = GDT_USER_CODE;
    frame->rflags = (ctx->rflags & RFLAGS_USER_MASK) | RFLAGS_IF | RFLAGS_RESERVED1;
    frame->rsp = ctx->rsp;
    frame->ss = GDT_USER_DATA;
}
