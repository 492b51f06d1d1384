/* SPDX-License-Identifier: MIT */
/* The rt_sigframe (kernel/signal_frame.h). Layout, lowest address first: the return
 * address (sa_restorer), struct ucontext, struct siginfo, then the FXSAVE area that
 * uc_mcontext.fpregs points to (arch/x86/include/uapi/asm/sigcontext.h, ucontext.h). */
#include "kernel/signal_frame.h"

#include <arch/context.h>
#include <arch/cpu.h>
#include <arch/fpu.h>

#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/program.h"
#include "kernel/syscall.h"
#include "kernel/thread.h"
#include "kernel/usercopy.h"

#define SIGFRAME_RED_ZONE 128         /* SysV x86-64 psABI 3.2.2: below RSP, the leaf's own */
#define SIGFRAME_FPU_ALIGN 64         /* Linux aligns the FPU area for XSAVE; FXSAVE needs 16 */
#define SIGFRAME_STACK_ALIGN 16       /* at a call, RSP + 8 is 16-byte aligned (psABI 3.2.2) */
#define SIGFRAME_GREGS 23             /* NGREG */
#define SIGFRAME_FXSAVE_MXCSR 24      /* SDM vol. 1 table 10-2: MXCSR, then MXCSR_MASK */
#define SIGFRAME_FXSAVE_MXCSR_MASK 28
#define SIGFRAME_MXCSR_MASK_DEFAULT 0xffbfu /* SDM vol. 1 11.6.6: when the CPU reports 0 */

/* uc_mcontext.gregs indices (arch/x86/include/uapi/asm/ucontext.h via musl's REG_*). */
enum sigframe_reg {
    REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15, REG_RDI, REG_RSI, REG_RBP, REG_RBX,
    REG_RDX, REG_RAX, REG_RCX, REG_RSP, REG_RIP, REG_EFL, REG_CSGSFS, REG_ERR, REG_TRAPNO, REG_OLDMASK, REG_CR2,
};

struct sigframe_ucontext {
    uint64_t uc_flags, uc_link;
    uint64_t ss_sp;
    int32_t ss_flags, ss_pad;
    uint64_t ss_size;
    uint64_t gregs[SIGFRAME_GREGS];
    uint64_t fpregs;         /* user address of the FXSAVE area */
    uint64_t reserved[8];
    uint64_t sigmask;
};
_Static_assert(sizeof(struct sigframe_ucontext) == 304, "struct ucontext is 304 bytes on x86-64");


static void sigframe_fill_info(struct sigframe_siginfo *out, int sig, const struct signal_info *info)
{
    memset(out, 0, sizeof *out);
    out->signo = sig;
    out->code = info->code;
    out->first = info->first;
    out->second = info->second;
}

long signal_info_to_user(uint64_t uinfo, int sig, const struct signal_info *info)
{
    struct sigframe_siginfo out;
    sigframe_fill_info(&out, sig, info);
    return copy_to_user(uinfo, &out, sizeof out) != 0 ? -LINUX_EFAULT : 0;
}

struct sigframe {
    uint64_t pretcode;
    struct sigframe_ucontext uc;
    struct sigframe_siginfo info;
};

static void sigframe_save_regs(const struct trap_frame *f, uint64_t *g)
{
    g[REG_R8] = f->r8, g[REG_R9] = f->r9, g[REG_R10] = f->r10, g[REG_R11] = f->r11;
    g[REG_R12] = f->r12, g[REG_R13] = f->r13, g[REG_R14] = f->r14, g[REG_R15] = f->r15;
    g[REG_RDI] = f->rdi, g[REG_RSI] = f->rsi, g[REG_RBP] = f->rbp, g[REG_RBX] = f->rbx;
    g[REG_RDX] = f->rdx, g[REG_RAX] = f->rax, g[REG_RCX] = f->rcx, g[REG_RSP] = f->rsp;
    g[REG_RIP] = f->rip, g[REG_EFL] = f->rflags;
}

static void sigframe_load_regs(struct trap_frame *f, const uint64_t *g)
{
    f->r8 = g[REG_R8], f->r9 = g[REG_R9], f->r10 = g[REG_R10], f->r11 = g[REG_R11];
    f->r12 = g[REG_R12], f->r13 = g[REG_R13], f->r14 = g[REG_R14], f->r15 = g[REG_R15];
    f->rdi = g[REG_RDI], f->rsi = g[REG_RSI], f->rbp = g[REG_RBP], f->rbx = g[REG_RBX];
    f->rdx = g[REG_RDX], f->rax = g[REG_RAX], f->rcx = g[REG_RCX], f->rsp = g[REG_RSP];
    f->rip = g[REG_RIP];
    f->rflags = (g[REG_EFL] & RFLAGS_USER_MASK) | RFLAGS_IF | RFLAGS_RESERVED1;
}

int signal_frame_push(struct trap_frame *frame, int sig, const struct signal_info *info, uint64_t fault_addr,
                      uint64_t handler, uint64_t restorer, uint64_t old_mask, uint64_t stack_top)
{
    uint64_t sp = stack_top ? stack_top : frame->rsp - SIGFRAME_RED_ZONE;
    uint64_t fpu_at = (sp - sizeof(struct fpu_state)) & ~(uint64_t)(SIGFRAME_FPU_ALIGN - 1);
    sp = ((fpu_at - sizeof(struct sigframe) + sizeof(uint64_t)) & ~(uint64_t)(SIGFRAME_STACK_ALIGN - 1)) -
         sizeof(uint64_t);
    if (frame->rsp > USER_SPACE_END || sp < PAGE_SIZE || (!stack_top && sp > frame->rsp) ||
        (stack_top && (stack_top > USER_SPACE_END || sp > stack_top)))
        return -1;
    const struct thread *t = thread_current();
    /* On the kernel stack, not static: a copy to a page held by another node parks the
     * thread, and another one may deliver a signal meanwhile. */
    struct fpu_state live;
    fpu_save(&live);
    struct sigframe sf;
    memset(&sf, 0, sizeof sf);
    sf.pretcode = restorer;
    sf.uc.ss_sp = t->altstack_sp;
    sf.uc.ss_size = t->altstack_size;
    sf.uc.ss_flags = t->altstack_size ? 0 : SIGNAL_SS_DISABLE;
    sigframe_save_regs(frame, sf.uc.gregs);
    sf.uc.gregs[REG_OLDMASK] = old_mask;
    sf.uc.gregs[REG_ERR] = frame->vector == SYSCALL_FRAME_VECTOR ? 0 : frame->error_code;
    sf.uc.gregs[REG_TRAPNO] = frame->vector == SYSCALL_FRAME_VECTOR ? 0 : frame->vector;
    sf.uc.gregs[REG_CR2] = fault_addr;
    sf.uc.fpregs = fpu_at;
    sf.uc.sigmask = old_mask;
    sigframe_fill_info(&sf.info, sig, info);
    if (copy_to_user(fpu_at, &live, sizeof live) != 0 || copy_to_user(sp, &sf, sizeof sf) != 0)
        return -1;
    frame->rsp = sp;
    frame->rip = handler;
    frame->rdi = (uint64_t)sig;
    frame->rsi = sp + offsetof(struct sigframe, info);
    frame->rdx = sp + offsetof(struct sigframe, uc);
    frame->rax = 0;
    frame->rflags &= ~(RFLAGS_DF | RFLAGS_TF | RFLAGS_AC);
    /* The handler starts with a clean FPU, as on Linux. */
    fpu_state_init(&live);
    fpu_restore(&live);
    return 0;
}

/* FXRSTOR faults on reserved MXCSR bits (SDM vol. 1 11.6.6): keep only those this CPU has. */
static void sigframe_sanitize_fpu(struct fpu_state *st, const struct fpu_state *cpu)
{
    uint32_t mxcsr, mask;
    memcpy(&mask, cpu->area + SIGFRAME_FXSAVE_MXCSR_MASK, sizeof mask);
    if (!mask)
        mask = SIGFRAME_MXCSR_MASK_DEFAULT;
    memcpy(&mxcsr, st->area + SIGFRAME_FXSAVE_MXCSR, sizeof mxcsr);
    mxcsr &= mask;
    memcpy(st->area + SIGFRAME_FXSAVE_MXCSR, &mxcsr, sizeof mxcsr);
    memcpy(st->area + SIGFRAME_FXSAVE_MXCSR_MASK, &mask, sizeof mask);
}

long sys_rt_sigreturn(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    struct thread *t = thread_current();
    struct trap_frame *frame = thread_user_frame(t);
    struct sigframe_ucontext uc; /* on the stack: the copies may park the thread */
    struct fpu_state saved, cpu;
    /* The handler's `ret` popped the return address: the stack points at the ucontext. */
    if (copy_from_user(&uc, frame->rsp, sizeof uc) != 0 || uc.gregs[REG_RIP] >= USER_SPACE_END ||
        (uc.fpregs && copy_from_user(&saved, uc.fpregs, sizeof saved) != 0))
        program_kill(frame, LINUX_SIGSEGV, frame->rsp);
    sigframe_load_regs(frame, uc.gregs);
    t->sigmask = uc.sigmask & ~SIGNAL_UNBLOCKABLE;
    /* The alternate stack as it was when the signal came (Linux restores it too). */
    bool alt = !(uc.ss_flags & SIGNAL_SS_DISABLE) && uc.ss_size >= SIGNAL_MINSIGSTKSZ && uc.ss_sp < USER_SPACE_END &&
               uc.ss_size <= USER_SPACE_END - uc.ss_sp;
    t->altstack_sp = alt ? uc.ss_sp : 0;
    t->altstack_size = alt ? uc.ss_size : 0;
    if (uc.fpregs) {
        fpu_save(&cpu);
        sigframe_sanitize_fpu(&saved, &cpu);
        fpu_restore(&saved);
    }
    syscall_return_by_iret = 1; /* RCX and R11 as saved, not SYSRET's RIP and RFLAGS */
    return (long)frame->rax;
}
