/* SPDX-License-Identifier: MIT */
/* Running a caught signal's handler in user mode and coming back (the Linux x86-64
 * rt_sigframe ABI, arch/x86/kernel/signal.c: the frame musl's __restore_rt expects).
 * Signals are delivered when a thread returns from a system call, or at once for a fault
 * its own instruction caused (SIGSEGV, SIGFPE, ...), never in the middle of other user code.
 * rt_sigreturn leaves the kernel by IRETQ (syscall_entry.asm), which restores every
 * register, RCX and R11 included, as a fault's context needs. */
#ifndef KERNEL_SIGNAL_FRAME_H
#define KERNEL_SIGNAL_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#include <arch/trap.h>

/* sa_flags bits (include/uapi/asm-generic/signal-defs.h, x86 signal.h). */
#define SIGNAL_SA_SIGINFO 0x4u
#define SIGNAL_SA_RESTORER 0x04000000u
#define SIGNAL_SA_RESTART 0x10000000u
#define SIGNAL_SA_ONSTACK 0x08000000u
/* sigaltstack ss_flags and the smallest stack it takes (x86 uapi signal.h). */
#define SIGNAL_SS_ONSTACK 1
#define SIGNAL_SS_DISABLE 2
#define SIGNAL_MINSIGSTKSZ 2048u
/* SIGKILL (9) and SIGSTOP (19) can be neither caught nor blocked (bit sig-1). */
#define SIGNAL_UNBLOCKABLE ((1ull << (9 - 1)) | (1ull << (19 - 1)))
#define SIGNAL_SA_NODEFER 0x40000000u
#define SIGNAL_SA_RESETHAND 0x80000000u
/* si_code values (include/uapi/asm-generic/siginfo.h). */
#define SIGNAL_SI_USER 0
#define SIGNAL_SI_KERNEL 0x80
#define SIGNAL_SI_TIMER (-2)
#define SIGNAL_SI_TKILL (-6)
#define SIGNAL_SI_QUEUE (-1)
#define SIGNAL_SI_MESGQ (-3) /* a message reached an empty queue (mq_notify) */
/* Whether a signal of code already pending takes a later one of the same source into its
 * si_overrun (a timer's), rather than the later one's siginfo replacing it. */
static inline bool signal_code_merges(int32_t code)
{
    return code == SIGNAL_SI_TIMER || code == SIGNAL_SI_KERNEL;
}

/* siginfo_t as user memory holds it (include/uapi/asm-generic/siginfo.h, x86-64). */
#define SIGFRAME_SIGINFO_SIZE 128 /* SI_MAX_SIZE */
struct sigframe_siginfo {
    int32_t signo, err, code, pad;
    uint64_t first, second; /* the union's first words (struct signal_info) */
    uint8_t rest[SIGFRAME_SIGINFO_SIZE - 32];
};
_Static_assert(sizeof(struct sigframe_siginfo) == SIGFRAME_SIGINFO_SIZE, "siginfo is 128 bytes");

/* What a signal's siginfo says past si_signo: si_code, then the union's first two words:
 * si_addr of a fault; si_pid (and si_uid 0 above it) of a kill or tkill; si_tid (the
 * timer's id, low half) and si_overrun (high half), then si_value, of a POSIX timer's;
 * nothing of the kernel's own (SI_KERNEL: ITIMER_REAL's SIGALRM). */
struct signal_info {
    int32_t code;
    uint64_t first;
    uint64_t second;
};

/* Pushes the frame for signal sig (its siginfo from info; CR2 fault_addr for a fault, else 0)
 * onto frame's user stack (or below stack_top, the alternate stack's end, if not 0) and
 * records the thread's sigaltstack in it, then points the thread at handler (restorer as its return
 * address, SA_SIGINFO arguments in RDI, RSI, RDX). The caller sets the mask the handler
 * runs with. Returns 0, or -1 when the stack cannot take the frame (the caller then ends
 * the program with SIGSEGV, as Linux does). */
int signal_frame_push(struct trap_frame *frame, int sig, const struct signal_info *info, uint64_t fault_addr,
                      uint64_t handler, uint64_t restorer, uint64_t old_mask, uint64_t stack_top);
/* Writes the siginfo (128 bytes) of signal sig to user memory at uinfo, as rt_sigtimedwait
 * returns it. 0, or -EFAULT. */
long signal_info_to_user(uint64_t uinfo, int sig, const struct signal_info *info);
/* rt_sigreturn (sys_rt_sigreturn, kernel/syscall.h) restores the registers, FPU state and
 * mask saved by signal_frame_push from the frame at the user stack pointer and returns the
 * RAX to resume with; a frame that is unreadable or would resume outside user space ends
 * the program with SIGSEGV. */

#endif
