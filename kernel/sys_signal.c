/* SPDX-License-Identifier: MIT */
/* Signal syscalls, minimal by design (issue 4): masks and actions are recorded and read
 * back, but no handler ever runs. A signal sent to the program (tkill, tgkill, kill)
 * whose action is not "ignore" takes its default action: the program ends with status
 * 128+signal, which is what abort() needs (SIGABRT: 134). No sigreturn, no delivery. */
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/program.h"
#include "kernel/syscall.h"
#include "kernel/thread.h"
#include "kernel/usercopy.h"

#define SIGNAL_SET_SIZE 8        /* sizeof(sigset_t) the kernel accepts on x86-64 */
#define SIGNAL_STOP 19
#define SIGNAL_CHLD 17
#define SIGNAL_CONT 18
#define SIGNAL_URG 23
#define SIGNAL_WINCH 28
#define SIGNAL_SIG_IGN 1ull      /* sa_handler value for "ignore" */
#define SIGNAL_SS_DISABLE 2      /* sigaltstack: no alternate stack */

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
        uint64_t unblockable = (1ull << (LINUX_SIGKILL - 1)) | (1ull << (SIGNAL_STOP - 1));
        if (how == LINUX_SIG_BLOCK)
            t->sigmask = old | set;
        else if (how == LINUX_SIG_UNBLOCK)
            t->sigmask = old & ~set;
        else
            t->sigmask = set;
        t->sigmask &= ~unblockable;
    }
    return 0;
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
    if (uact)
        signal_actions[sig] = act;
    return 0;
}

static bool signal_default_ignored(uint64_t sig)
{
    return sig == SIGNAL_CHLD || sig == SIGNAL_CONT || sig == SIGNAL_URG || sig == SIGNAL_WINCH;
}

/* The program receives sig: ignored, or fatal with the default action. */
static long signal_send(uint64_t sig)
{
    if (sig > LINUX_NSIG)
        return -LINUX_EINVAL;
    if (sig == 0)
        return 0;
    if (signal_actions[sig].handler == SIGNAL_SIG_IGN || signal_default_ignored(sig))
        return 0;
    if (signal_actions[sig].handler > SIGNAL_SIG_IGN)
        log_warn("signal: %llu has a handler; dsmk does not deliver signals, taking the default action",
                 (unsigned long long)sig);
    struct thread *t = thread_current();
    program_kill(thread_user_frame(t), (int)sig, 0);
}

long sys_tkill(uint64_t tid, uint64_t sig, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    if ((int64_t)tid <= 0 || tid > INT32_MAX)
        return -LINUX_EINVAL;
    if (!thread_find((int)tid))
        return -LINUX_ESRCH;
    return signal_send(sig);
}

long sys_tgkill(uint64_t tgid, uint64_t tid, uint64_t sig, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if ((int64_t)tid <= 0 || (int64_t)tgid <= 0 || tid > INT32_MAX)
        return -LINUX_EINVAL;
    if (tgid != THREAD_FIRST_TID || !thread_find((int)tid))
        return -LINUX_ESRCH;
    return signal_send(sig);
}

long sys_kill(uint64_t pid, uint64_t sig, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    int64_t p = (int64_t)pid;
    /* Our pid or our process group (0) reach us; -1 means "every process but the caller":
     * there is none (kill(2)). */
    if (p != THREAD_FIRST_TID && p != 0)
        return -LINUX_ESRCH;
    return signal_send(sig);
}

long sys_sigaltstack(uint64_t uss, uint64_t uold, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)uss, (void)a2, (void)a3, (void)a4, (void)a5;
    if (uold) {
        struct { uint64_t sp; int32_t flags; int32_t pad; uint64_t size; } old = { 0, SIGNAL_SS_DISABLE, 0, 0 };
        if (copy_to_user(uold, &old, sizeof old) != 0)
            return -LINUX_EFAULT;
    }
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
