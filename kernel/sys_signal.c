/* SPDX-License-Identifier: MIT */
/* Signal syscalls (man 2 rt_sigaction, rt_sigprocmask, kill, tkill, tgkill) and fault
 * signals. A fault's handler (SIGSEGV, SIGFPE...) runs at once, on the way out of the trap
 * (signal_deliver_fault). Any other caught signal is made pending on its thread, and its
 * handler runs when that thread next returns from a system call (kernel/signal_frame.h:
 * the frame, and rt_sigreturn); a thread that computes without system calls gets it at its
 * next one, and a thread asleep in a futex wait or a sleep is woken for it (the call
 * restarts after the handler under SA_RESTART, or fails with EINTR: -ERESTARTSYS inside
 * the kernel, as on Linux). Signals left at the default action end the program with
 * status 128+signal (abort(): 134), or are ignored where Linux ignores them. Under the DSM
 * the actions are the program's on every node (an rt_sigaction goes through node 0 like a
 * memory syscall), and tkill reaches a thread on another node through the node its tid
 * names (a thread moved away since is not found: ESRCH). sigaltstack and SA_ONSTACK work
 * (no SS_AUTODISARM); no realtime queueing (a pending signal sent again is one). */
#include "kernel/clock.h"
#include "kernel/dsm_glue.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/program.h"
#include "kernel/sched.h"
#include "kernel/signal_frame.h"
#include "kernel/signal_process.h"
#include "kernel/syscall.h"
#include "kernel/thread.h"
#include "kernel/time_conv.h"
#include "kernel/usercopy.h"

#define SIGNAL_SET_SIZE 8        /* sizeof(sigset_t) the kernel accepts on x86-64 */
#define SIGNAL_STOP 19
#define SIGNAL_CHLD 17
#define SIGNAL_CONT 18
#define SIGNAL_URG 23
#define SIGNAL_WINCH 28
#define SIGNAL_SIG_DFL 0ull      /* sa_handler value for "default action" */
#define SIGNAL_SIG_IGN 1ull      /* sa_handler value for "ignore" */
#define SIGNAL_PACK_FLAGS_SHIFT 8 /* DSM_MM_SIGACTION's first word: sig | sa_flags << 8 */
#define SIGNAL_PACK_SIG_MASK 0xffull
#define SIGNAL_SYSCALL_INSN_LEN 2 /* 0f 05: a restarted call runs its syscall instruction again */

/* struct sigaction as the x86-64 kernel sees it (handler, flags, restorer, mask). */
struct signal_action {
    uint64_t handler, flags, restorer, mask;
};

static struct signal_action signal_actions[LINUX_NSIG + 1];

long sys_rt_sigprocmask(uint64_t how, uint64_t uset, uint64_t uold, uint64_t size, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    if (size != SIGNAL_SET_SIZE)
        return -LINUX_EINVAL;
    struct thread *t = thread_current();
    uint64_t old = t->sigmask, set = 0;
    if (uset) {
        if (copy_from_user(&set, uset, sizeof set) != 0)
            return -LINUX_EFAULT;
        if (how != LINUX_SIG_BLOCK && how != LINUX_SIG_UNBLOCK && how != LINUX_SIG_SETMASK)
            return -LINUX_EINVAL;
    }
    if (uold && copy_to_user(uold, &old, sizeof old) != 0)
        return -LINUX_EFAULT;
    if (uset) {
        if (how == LINUX_SIG_BLOCK)
            t->sigmask = old | set;
        else if (how == LINUX_SIG_UNBLOCK)
            t->sigmask = old & ~set;
        else
            t->sigmask = set;
        t->sigmask &= ~SIGNAL_UNBLOCKABLE;
    }
    return 0;
}

long sys_rt_sigpending(uint64_t uset, uint64_t size, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    if (size != SIGNAL_SET_SIZE)
        return -LINUX_EINVAL;
    struct thread *t = thread_current();
    /* The thread's and the process's, kept on any node; the others are delivered at once. */
    uint64_t pending = (t->sigpending | signal_process_pending() | dsm_threads_signals_kept_elsewhere()) & t->sigmask;
    return copy_to_user(uset, &pending, sizeof pending) != 0 ? -LINUX_EFAULT : 0;
}

/* Blocks t until a signal of wanted is pending, a signal's handler is to run (the wait was
 * interrupted), or deadline (0: none) passes. A signal another node keeps for the process
 * is claimed when its note arrives, also while t waits (signal_process_hint wakes it): the
 * sender may have looked for a taker here just before t began to wait, and t's own claim
 * round may have passed the sender just before it kept the signal. */
static void signal_wait(struct thread *t, uint64_t wanted, uint64_t deadline)
{
    signal_process_give(t, wanted);
    t->wait_interrupted = false;
    t->wait_interruptible = true;
    for (;;) {
        uint64_t hinted = signal_process_hint_take(wanted);
        struct signal_claim claimed;
        while (!(t->sigpending & wanted) && hinted && dsm_threads_claim_signal(hinted, &claimed))
            signal_claim_give(t, &claimed);
        if ((t->sigpending & wanted) || t->wait_interrupted || (deadline && clock_now_ns() >= deadline))
            break;
        t->wake_deadline_ns = deadline;
        t->signal_wait_set = wanted; /* only while blocked here, not in a claim's request */
        sched_block();
        t->signal_wait_set = 0;
    }
    t->wait_interruptible = false;
    t->wake_deadline_ns = 0;
}

/* Blocks until a signal the mask lets through is pending (its handler runs on the way
 * out of the call, which then returns EINTR). */
static long signal_wait_for_any(struct thread *t)
{
    signal_wait(t, ~t->sigmask, 0);
    return -LINUX_EINTR;
}

long sys_pause(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return signal_wait_for_any(thread_current());
}

long signal_wait_mask_set(uint64_t uset, uint64_t size)
{
    if (size != SIGNAL_SET_SIZE)
        return -LINUX_EINVAL;
    uint64_t set;
    if (copy_from_user(&set, uset, sizeof set) != 0)
        return -LINUX_EFAULT;
    struct thread *t = thread_current();
    t->sigmask_saved = t->sigmask;
    t->sigmask_restore = true;
    t->sigmask = set & ~SIGNAL_UNBLOCKABLE;
    return 0;
}

long sys_rt_sigsuspend(uint64_t uset, uint64_t size, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    long rc = signal_wait_mask_set(uset, size);
    return rc ? rc : signal_wait_for_any(thread_current());
}

long sys_rt_sigaction(uint64_t sig, uint64_t uact, uint64_t uold, uint64_t size, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    if (size != SIGNAL_SET_SIZE || sig < 1 || sig > LINUX_NSIG)
        return -LINUX_EINVAL;
    if (uact && (sig == LINUX_SIGKILL || sig == SIGNAL_STOP))
        return -LINUX_EINVAL;
    struct signal_action act;
    if (uact && copy_from_user(&act, uact, sizeof act) != 0)
        return -LINUX_EFAULT;
    if (uold && copy_to_user(uold, &signal_actions[sig], sizeof signal_actions[sig]) != 0)
        return -LINUX_EFAULT;
    if (!uact)
        return 0;
    if (dsm_active()) /* nodes>1: the same action on every node before the call returns */
        return dsm_control_mm(DSM_MM_SIGACTION, sig | (act.flags << SIGNAL_PACK_FLAGS_SHIFT), act.handler,
                              act.restorer, act.mask);
    signal_actions[sig] = act;
    return 0;
}

void signal_action_store(uint64_t sig_and_flags, uint64_t handler, uint64_t restorer, uint64_t mask)
{
    uint64_t sig = sig_and_flags & SIGNAL_PACK_SIG_MASK;
    if (sig >= 1 && sig <= LINUX_NSIG && sig != LINUX_SIGKILL && sig != SIGNAL_STOP)
        signal_actions[sig] = (struct signal_action){ handler, sig_and_flags >> SIGNAL_PACK_FLAGS_SHIFT, restorer,
                                                      mask };
}

static bool signal_default_ignored(uint64_t sig)
{
    return sig == SIGNAL_CHLD || sig == SIGNAL_CONT || sig == SIGNAL_URG || sig == SIGNAL_WINCH;
}

/* True while rsp is on t's alternate signal stack. */
static bool signal_on_altstack(const struct thread *t, uint64_t rsp)
{
    return t->altstack_size && rsp > t->altstack_sp && rsp - t->altstack_sp <= t->altstack_size;
}

/* Where a handler's frame goes: the end of the alternate stack for SA_ONSTACK when the
 * thread has one and is not on it already, else 0 (its own stack). */
static uint64_t signal_stack_top(const struct thread *t, const struct signal_action *act, uint64_t rsp)
{
    if (!(act->flags & SIGNAL_SA_ONSTACK) || !t->altstack_size || signal_on_altstack(t, rsp))
        return 0;
    return t->altstack_sp + t->altstack_size;
}

static uint64_t signal_bit(uint64_t sig)
{
    return 1ull << (sig - 1);
}

/* Whether sig (0..LINUX_NSIG) would change nothing: 0, or ignored by its action. */
static bool signal_ignored(uint64_t sig)
{
    const struct signal_action *act = &signal_actions[sig];
    return sig == 0 || (sig != LINUX_SIGKILL && (act->handler == SIGNAL_SIG_IGN ||
                                                 (act->handler == SIGNAL_SIG_DFL && signal_default_ignored(sig))));
}

/* Thread t receives sig (1..LINUX_NSIG) from kill (by_kill) or tkill/tgkill, or with
 * queued's siginfo (sigqueue) if not NULL: ignored, pending for its handler, or fatal with
 * the default action. */
static long signal_send_info(struct thread *t, uint64_t sig, bool by_kill, const struct signal_timer_source *queued)
{
    if (sig > LINUX_NSIG)
        return -LINUX_EINVAL;
    if (sig == 0)
        return 0;
    const struct signal_action *act = &signal_actions[sig];
    if (act->handler == SIGNAL_SIG_IGN || (act->handler == SIGNAL_SIG_DFL && signal_default_ignored(sig)))
        return 0;
    /* A default action ends the program at once, unless the target blocks the signal: then
     * it waits, pending, for sigwait or for the unblocking (signal_deliver_pending). */
    if (signal_ends_program(t, sig))
        program_kill(thread_user_frame(thread_current()), (int)sig, 0);
    if (queued)
        signal_make_pending_timer(t, sig, queued, 0);
    else
        signal_make_pending(t, sig, by_kill);
    return 0;
}

static long signal_send(struct thread *t, uint64_t sig, bool by_kill)
{
    return signal_send_info(t, sig, by_kill, NULL);
}

struct thread *signal_process_taker(struct thread *prefer, uint64_t sig)
{
    uint64_t bit = signal_bit(sig);
    if (prefer && (!(prefer->sigmask & bit) || (prefer->sigwait_set & bit)))
        return prefer;
    for (int i = thread_next_used(0); i < THREAD_MAX; i = thread_next_used(i + 1)) {
        struct thread *t = thread_slot(i);
        if (thread_is_live(t) && (!(t->sigmask & bit) || (t->sigwait_set & bit)))
            return t;
    }
    return NULL;
}

/* Takes pending signal sig off t, with what its siginfo says. */
static struct signal_info signal_take(struct thread *t, uint64_t sig)
{
    uint64_t bit = signal_bit(sig);
    struct signal_info info = { .code = (t->sigpending_kill & bit) ? SIGNAL_SI_USER : SIGNAL_SI_TKILL,
                                .first = THREAD_FIRST_TID }; /* si_pid: the program's */
    if ((t->sigpending_timer & bit) && t->sigtimer[sig - 1].code == SIGNAL_SI_KERNEL) {
        info = (struct signal_info){ .code = SIGNAL_SI_KERNEL };
    } else if (t->sigpending_timer & bit) {
        /* A timer's: si_timerid, si_overrun, si_value; a sigqueue's: si_pid, si_uid, si_value
         * (the same words of the union). */
        const struct thread_sigtimer *st = &t->sigtimer[sig - 1];
        info = (struct signal_info){ .code = st->code,
                                     .first = (uint32_t)st->timerid | (uint64_t)(uint32_t)st->overrun << 32,
                                     .second = st->value };
        if (st->code == SIGNAL_SI_TIMER) {
            t->timer_taken = true;
            t->timer_taken_id = st->timerid;
            t->timer_taken_overrun = st->overrun;
        }
    }
    t->sigpending &= ~bit;
    t->sigpending_kill &= ~bit;
    t->sigpending_timer &= ~bit;
    return info;
}

bool signal_make_pending_timer(struct thread *t, uint64_t sig, const struct signal_timer_source *from,
                               uint32_t extra)
{
    uint64_t bit = signal_bit(sig);
    struct thread_sigtimer *st = &t->sigtimer[sig - 1];
    if ((t->sigpending_timer & bit) && signal_code_merges(from->code) && st->timerid == from->timerid &&
        st->code == from->code) {
        uint64_t overrun = (uint64_t)(uint32_t)st->overrun + extra + 1;
        st->overrun = overrun > INT32_MAX ? INT32_MAX : (int32_t)overrun; /* Linux caps it at INT_MAX */
        return true;
    }
    signal_make_pending(t, sig, false);
    t->sigpending_timer |= bit;
    *st = (struct thread_sigtimer){ .code = from->code, .timerid = from->timerid,
                                    .overrun = extra > INT32_MAX ? INT32_MAX : (int32_t)extra, .value = from->value };
    return false;
}

void signal_make_pending(struct thread *t, uint64_t sig, bool by_kill)
{
    t->sigpending |= signal_bit(sig);
    t->sigpending_timer &= ~signal_bit(sig); /* the latest sender's siginfo wins, as for kill */
    if (by_kill)
        t->sigpending_kill |= signal_bit(sig);
    else
        t->sigpending_kill &= ~signal_bit(sig);
    /* A thread asleep in a futex wait or a sleep wakes to run the handler, as on Linux
     * (pthread_cancel of a thread waiting on a condition variable depends on it). */
    if (t->state != THREAD_BLOCKED || ((t->sigmask & ~t->sigwait_set) & signal_bit(sig)))
        return;
    if (t->wait_interruptible) {
        t->wait_interrupted = true;
        sched_wake(t);
    } else
        dsm_glue_interrupt_wait(t);
}

/* Sends t (the current thread) into sig's handler: the frame on its stack (or the
 * alternate one), then the mask the handler runs with and SA_RESETHAND. A stack that
 * cannot take the frame ends the program with SIGSEGV, as on Linux. */
static void signal_run_handler(struct thread *t, struct trap_frame *frame, uint64_t sig,
                               const struct signal_info *info, uint64_t addr)
{
    const struct signal_action *act = &signal_actions[sig];
    uint64_t old = t->sigmask;
    /* After rt_sigsuspend the handler runs with the temporary mask, and its return
     * (rt_sigreturn) restores the mask from before the call. */
    uint64_t restored = t->sigmask_restore ? t->sigmask_saved : old;
    t->sigmask_restore = false;
    if (signal_frame_push(frame, (int)sig, info, addr, act->handler, act->restorer, restored,
                          signal_stack_top(t, act, frame->rsp)) != 0)
        program_kill(frame, LINUX_SIGSEGV, frame->rsp);
    t->sigmask = (old | act->mask | ((act->flags & SIGNAL_SA_NODEFER) ? 0 : signal_bit(sig))) & ~SIGNAL_UNBLOCKABLE;
    if (act->flags & SIGNAL_SA_RESETHAND)
        signal_actions[sig].handler = SIGNAL_SIG_DFL;
}

void signal_deliver_fault(struct trap_frame *frame, int sig, int code, uint64_t addr)
{
    struct thread *t = thread_current();
    const struct signal_action *act = &signal_actions[sig];
    uint64_t bit = signal_bit((uint64_t)sig);
    /* Blocked, ignored or without a way back, a fault signal takes its default action, as
     * Linux forces it: the instruction would only fault again. */
    if (!t || act->handler <= SIGNAL_SIG_IGN || (t->sigmask & bit) || !(act->flags & SIGNAL_SA_RESTORER))
        program_kill(frame, sig, addr);
    struct signal_info info = { .code = code, .first = addr };
    signal_run_handler(t, frame, (uint64_t)sig, &info, addr);
}

bool signal_ends_program(const struct thread *t, uint64_t sig)
{
    const struct signal_action *act = &signal_actions[sig];
    return sig == LINUX_SIGKILL ||
           (act->handler == SIGNAL_SIG_DFL && !signal_default_ignored(sig) && !(t->sigmask & signal_bit(sig)));
}

/* tkill of a thread on another node (DSM): the actions are the same everywhere, the mask
 * is the target's, so the target's node says whether the signal ends the program (the
 * sender then ends it) or waits, pending; an ignored one only checks the thread exists. */
static long signal_send_remote(uint64_t tid, uint64_t sig)
{
    if (sig > LINUX_NSIG)
        return -LINUX_EINVAL;
    long r = dsm_threads_signal((int32_t)tid, signal_ignored(sig) ? 0 : (int)sig);
    if (r != DSM_THREADS_SIGNAL_ENDS)
        return r;
    program_kill(thread_user_frame(thread_current()), (int)sig, 0); /* the default action ends the program */
}

/* A call a signal interrupted: again from its syscall instruction (restart: no handler
 * runs, or one with SA_RESTART does), or EINTR. A handler always makes ERESTARTNOHAND EINTR. */
static void signal_finish_interrupted(struct trap_frame *frame, uint64_t nr, bool handler_runs, bool sa_restart)
{
    if (nr == SIGNAL_NOT_SYSCALL)
        return;
    bool restart;
    if (frame->rax == (uint64_t)-LINUX_ERESTARTSYS)
        restart = !handler_runs || sa_restart;
    else if (frame->rax == (uint64_t)-LINUX_ERESTARTNOHAND)
        restart = !handler_runs;
    else
        return;
    if (restart) {
        frame->rax = nr;
        frame->rip -= SIGNAL_SYSCALL_INSN_LEN;
    } else
        frame->rax = (uint64_t)-LINUX_EINTR;
}

/* rt_sigsuspend's mask goes back when no handler runs after all. */
static void signal_restore_suspend_mask(struct thread *t)
{
    if (t && t->sigmask_restore) {
        t->sigmask = t->sigmask_saved;
        t->sigmask_restore = false;
    }
}

void signal_wait_mask_restore(void)
{
    signal_restore_suspend_mask(thread_current());
}

void signal_deliver_pending(struct trap_frame *frame, uint64_t nr)
{
    struct thread *t = thread_current();
    if (t && (signal_process_pending() & ~t->sigmask))
        signal_process_give(t, ~t->sigmask); /* unblocked since the process's signal came */
    uint64_t hinted = t && nr != SIGNAL_NOT_SYSCALL ? signal_process_hint_take(~t->sigmask) : 0;
    struct signal_claim claimed;
    while (hinted && dsm_threads_claim_signal(hinted, &claimed)) /* kept on another node */
        signal_claim_give(t, &claimed);
    uint64_t ready = t ? t->sigpending & ~t->sigmask : 0;
    if (!ready) {
        signal_restore_suspend_mask(t);
        signal_finish_interrupted(frame, nr, false, false); /* nothing to run: carry on waiting */
        return;
    }
    uint64_t sig = (uint64_t)__builtin_ctzll(ready) + 1;
    struct signal_info info = signal_take(t, sig);
    struct signal_action act = signal_actions[sig]; /* may have changed since it was sent */
    if (act.handler == SIGNAL_SIG_IGN || (act.handler == SIGNAL_SIG_DFL && signal_default_ignored(sig))) {
        signal_restore_suspend_mask(t);
        signal_finish_interrupted(frame, nr, false, false);
        return;
    }
    if (act.handler == SIGNAL_SIG_DFL)
        program_kill(frame, (int)sig, 0);
    if (!(act.flags & SIGNAL_SA_RESTORER)) { /* x86-64 has no other way back (no vDSO here) */
        log_warn("signal: %llu has a handler but no SA_RESTORER: taking the default action", (unsigned long long)sig);
        program_kill(frame, (int)sig, 0);
    }
    signal_finish_interrupted(frame, nr, true, (act.flags & SIGNAL_SA_RESTART) != 0);
    signal_run_handler(t, frame, sig, &info, 0);
}

/* sigwait, sigwaitinfo, sigtimedwait: takes a pending signal of the set (normally blocked)
 * without running its handler; EAGAIN at the timeout, EINTR when another signal's handler
 * is to run. */
long sys_rt_sigtimedwait(uint64_t uset, uint64_t uinfo, uint64_t utimeout, uint64_t size, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    if (size != SIGNAL_SET_SIZE)
        return -LINUX_EINVAL;
    uint64_t set;
    if (copy_from_user(&set, uset, sizeof set) != 0)
        return -LINUX_EFAULT;
    set &= ~SIGNAL_UNBLOCKABLE;
    uint64_t deadline = 0; /* none */
    long bad = utimeout ? time_deadline_from_user(utimeout, false, false, &deadline) : 0;
    if (bad)
        return bad;
    struct signal_info info;
    long sig = signal_dequeue(set, true, deadline, &info);
    if (sig == -LINUX_ERESTARTSYS)
        return -LINUX_EINTR;
    if (sig > 0 && uinfo && signal_info_to_user(uinfo, (int)sig, &info) != 0)
        return -LINUX_EFAULT;
    return sig;
}

long signal_dequeue(uint64_t set, bool wait, uint64_t deadline, struct signal_info *info)
{
    struct thread *t = thread_current();
    t->sigwait_set = set; /* from now on a signal for the process finds this thread */
    signal_process_give(t, set);
    struct signal_claim claimed;
    if (!(t->sigpending & set) && dsm_threads_claim_signal(set, &claimed))
        signal_claim_give(t, &claimed); /* kept for the process on another node */
    t->wait_interrupted = false;
    if (wait)
        signal_wait(t, set, deadline);
    t->sigwait_set = 0;
    uint64_t got = t->sigpending & set;
    if (!got)
        return wait && t->wait_interrupted ? -LINUX_ERESTARTSYS : -LINUX_EAGAIN;
    uint64_t sig = (uint64_t)__builtin_ctzll(got) + 1;
    *info = signal_take(t, sig);
    return (long)sig;
}

long sys_tkill(uint64_t tid, uint64_t sig, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    if ((int64_t)tid <= 0 || tid > INT32_MAX)
        return -LINUX_EINVAL;
    struct thread *t = thread_find((int)tid);
    return t ? signal_send(t, sig, false) : signal_send_remote(tid, sig);
}

long sys_tgkill(uint64_t tgid, uint64_t tid, uint64_t sig, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if ((int64_t)tid <= 0 || (int64_t)tgid <= 0 || tid > INT32_MAX)
        return -LINUX_EINVAL;
    if (tgid != THREAD_FIRST_TID)
        return -LINUX_ESRCH;
    struct thread *t = thread_find((int)tid);
    return t ? signal_send(t, sig, false) : signal_send_remote(tid, sig);
}

/* The siginfo rt_sigqueueinfo and rt_tgsigqueueinfo take (128 bytes): si_code, then the
 * union's first two words (si_pid and si_uid, si_value). Linux lets a process give itself
 * any si_code (kernel/signal.c); here only sigqueue's SI_QUEUE travels, others are EPERM. */
static long signal_queued_from_user(uint64_t uinfo, struct signal_timer_source *queued)
{
    struct sigframe_siginfo si;
    if (copy_from_user(&si, uinfo, sizeof si) != 0)
        return -LINUX_EFAULT;
    if (si.code != SIGNAL_SI_QUEUE)
        return -LINUX_EPERM; /* only sigqueue's siginfo travels: the others' fields are the kernel's */
    *queued = (struct signal_timer_source){ .code = si.code, .timerid = (int32_t)(uint32_t)si.first, /* si_pid */
                                            .value = si.second };
    return 0;
}

long sys_rt_sigqueueinfo(uint64_t pid, uint64_t sig, uint64_t uinfo, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if ((int64_t)pid != THREAD_FIRST_TID)
        return -LINUX_ESRCH;
    if (sig > LINUX_NSIG)
        return -LINUX_EINVAL;
    struct signal_timer_source queued;
    long rc = signal_queued_from_user(uinfo, &queued);
    if (rc || sig == 0)
        return rc;
    struct thread *taker = signal_process_taker(thread_current(), sig);
    if (!taker && dsm_active() && !signal_ignored(sig)) {
        long r = dsm_threads_signal_process_info((int)sig, &queued);
        if (r == DSM_THREADS_SIGNAL_ENDS)
            program_kill(thread_user_frame(thread_current()), (int)sig, 0);
        if (r == 0)
            return 0;
    }
    if (!taker) {
        if (!signal_ignored(sig))
            signal_process_keep(sig, false, &queued, 0);
        return 0;
    }
    return signal_send_info(taker, sig, false, &queued);
}

long sys_rt_tgsigqueueinfo(uint64_t tgid, uint64_t tid, uint64_t sig, uint64_t uinfo, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    if ((int64_t)tid <= 0 || (int64_t)tgid <= 0 || tid > INT32_MAX)
        return -LINUX_EINVAL;
    if (tgid != THREAD_FIRST_TID)
        return -LINUX_ESRCH;
    if (sig > LINUX_NSIG)
        return -LINUX_EINVAL;
    struct signal_timer_source queued;
    long rc = signal_queued_from_user(uinfo, &queued);
    if (rc)
        return rc;
    struct thread *t = thread_find((int)tid);
    if (t)
        return signal_send_info(t, sig, false, &queued);
    long r = dsm_threads_signal_info((int32_t)tid, signal_ignored(sig) ? 0 : (int)sig, &queued);
    if (r == DSM_THREADS_SIGNAL_ENDS)
        program_kill(thread_user_frame(thread_current()), (int)sig, 0);
    return r;
}

long sys_kill(uint64_t pid, uint64_t sig, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    int64_t p = (int64_t)pid;
    /* Our pid or our process group (0) reach us; -1 means "every process but the caller":
     * there is none (kill(2)). */
    if (p != THREAD_FIRST_TID && p != 0)
        return -LINUX_ESRCH;
    if (sig > LINUX_NSIG)
        return -LINUX_EINVAL;
    /* The process's signal goes to a thread that takes it (does not block it, or waits for
     * it in sigwait): the caller first (it runs the handler soonest), then another here,
     * then one on another node; with none anywhere it waits, pending, on the caller. */
    struct thread *taker = sig ? signal_process_taker(thread_current(), sig) : thread_current();
    if (!taker && dsm_active() && !signal_ignored(sig)) {
        long r = dsm_threads_signal_process((int)sig);
        if (r == DSM_THREADS_SIGNAL_ENDS)
            program_kill(thread_user_frame(thread_current()), (int)sig, 0);
        if (r == 0)
            return 0;
    }
    if (!taker) { /* every thread blocks it: it waits for the process (kernel/signal_process.c) */
        if (!signal_ignored(sig))
            signal_process_keep(sig, true, NULL, 0);
        return 0;
    }
    return signal_send(taker, sig, true);
}

/* stack_t (x86-64): ss_sp, ss_flags (int, padded), ss_size. */
struct signal_stack {
    uint64_t sp;
    int32_t flags;
    int32_t pad;
    uint64_t size;
};

long sys_sigaltstack(uint64_t uss, uint64_t uold, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    struct thread *t = thread_current();
    bool on = signal_on_altstack(t, thread_user_frame(t)->rsp);
    struct signal_stack ss;
    if (uss && copy_from_user(&ss, uss, sizeof ss) != 0)
        return -LINUX_EFAULT;
    if (uold) {
        struct signal_stack old = { t->altstack_sp,
                                    on ? SIGNAL_SS_ONSTACK : t->altstack_size ? 0 : SIGNAL_SS_DISABLE, 0,
                                    t->altstack_size };
        if (copy_to_user(uold, &old, sizeof old) != 0)
            return -LINUX_EFAULT;
    }
    if (!uss)
        return 0;
    if (on)
        return -LINUX_EPERM; /* not while a handler runs on it */
    if (ss.flags == SIGNAL_SS_DISABLE) {
        t->altstack_sp = t->altstack_size = 0;
        return 0;
    }
    if (ss.flags != 0) /* SS_AUTODISARM and the rest are not supported */
        return -LINUX_EINVAL;
    if (ss.size < SIGNAL_MINSIGSTKSZ)
        return -LINUX_ENOMEM;
    if (ss.sp >= USER_SPACE_END || ss.size > USER_SPACE_END - ss.sp)
        return -LINUX_EFAULT;
    t->altstack_sp = ss.sp;
    t->altstack_size = ss.size;
    return 0;
}

/* ---- in-kernel tests ---- */

#include "kernel/ktest.h"

KTEST(signal_kill_broadcast_reaches_nobody)
{
    /* kill(-1, sig) means "all processes but the caller": with one process that is none,
     * so it must not end the program. */
    KT_EXPECT_EQ(sys_kill((uint64_t)-1, LINUX_SIGKILL, 0, 0, 0, 0), -LINUX_ESRCH);
    KT_EXPECT_EQ(sys_kill(THREAD_FIRST_TID + 1, LINUX_SIGKILL, 0, 0, 0, 0), -LINUX_ESRCH);
    KT_EXPECT_EQ(sys_tgkill(THREAD_FIRST_TID, 0, LINUX_SIGKILL, 0, 0, 0), -LINUX_EINVAL);
    KT_EXPECT_EQ(sys_rt_sigaction(LINUX_SIGKILL, 0, 0, SIGNAL_SET_SIZE, 0, 0), 0);
    KT_EXPECT_EQ(sys_rt_sigaction(LINUX_NSIG + 1, 0, 0, SIGNAL_SET_SIZE, 0, 0), -LINUX_EINVAL);
}
