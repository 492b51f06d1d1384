/* SPDX-License-Identifier: MIT */
/* Thread syscalls (man 2 clone, exit, exit_group, set_tid_address, set_robust_list,
 * arch_prctl, gettid, getpid, sched_yield, sched_getaffinity). clone accepts exactly the
 * thread-creating flag set (CLONE_VM|CLONE_THREAD|CLONE_SIGHAND plus the optional ones
 * musl passes); a new process (fork, vfork, posix_spawn) is not possible: -ENOSYS. */
#include <arch/context.h>
#include <arch/fpu.h>

#include "kernel/dsm_affinity.h"
#include "kernel/dsm_glue.h"
#include "kernel/libc.h"
#include "kernel/files.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/program.h"
#include "kernel/sched.h"
#include "kernel/shared_maps.h"
#include "kernel/syscall.h"
#include "kernel/thread.h"
#include "kernel/thread_names.h"
#include "kernel/time_conv.h"
#include "kernel/usercopy.h"
#include "kernel/uvm.h"

#define CLONE_THREAD_REQUIRED (LINUX_CLONE_VM | LINUX_CLONE_THREAD | LINUX_CLONE_SIGHAND)
#define CLONE_THREAD_OPTIONAL                                                                         \
    (LINUX_CLONE_FS | LINUX_CLONE_FILES | LINUX_CLONE_SYSVSEM | LINUX_CLONE_SETTLS |                    \
     LINUX_CLONE_PARENT_SETTID | LINUX_CLONE_CHILD_CLEARTID | LINUX_CLONE_DETACHED | LINUX_CLONE_CHILD_SETTID)
#define AFFINITY_MASK_BYTES 8 /* one 64-bit word: CPU i is node i (at most 64 nodes) */
#define AFFINITY_MASK_BITS 64
/* Scheduling policies and their priority ranges (include/uapi/linux/sched.h, sched(7)). */
#define SCHED_POLICY_OTHER 0
#define SCHED_POLICY_FIFO 1
#define SCHED_POLICY_RR 2
#define SCHED_POLICY_BATCH 3
#define SCHED_POLICY_IDLE 5
#define SCHED_POLICY_DEADLINE 6
#define SCHED_RT_PRIORITY_MIN 1
#define SCHED_RT_PRIORITY_MAX 99
#define EXIT_STATUS_MASK 0xff  /* wait(2) keeps the low 8 bits of an exit status */

long sys_clone(uint64_t flags, uint64_t stack, uint64_t uparent_tid, uint64_t uchild_tid, uint64_t tls, uint64_t a5)
{
    (void)a5;
    if ((flags & CLONE_THREAD_REQUIRED) != CLONE_THREAD_REQUIRED)
        return -LINUX_ENOSYS;
    if (flags & ~(uint64_t)(CLONE_THREAD_REQUIRED | CLONE_THREAD_OPTIONAL))
        return -LINUX_EINVAL;
    if (stack >= USER_SPACE_END || ((flags & LINUX_CLONE_SETTLS) && tls >= USER_SPACE_END))
        return -LINUX_EINVAL;
    struct thread *parent = thread_current();
    /* The child is listed before it exists, so that its own first question about its name
     * finds it (kernel/thread_names.h). That may park: before the shared snapshot is taken. */
    unsigned node = dsm_active() ? dsm_threads_place() : dsm_glue_cpu_of_caller();
    int32_t tid = dsm_active() ? dsm_threads_new_tid(node) : thread_tid_next();
    long listed = thread_names_born(tid, parent->tid);
    if (listed < 0)
        return listed == -LINUX_EIO ? -LINUX_EAGAIN : listed;
    static struct user_context ctx; /* 600 bytes: kept off the 16 KiB kernel stack; IF=0, one CPU */
    fpu_save(&parent->fpu);         /* the live registers are the parent's current state */
    thread_capture(parent, &ctx);
    ctx.rax = 0;
    if (stack)
        ctx.rsp = stack;
    if (flags & LINUX_CLONE_SETTLS)
        ctx.fs_base = tls;
    struct thread *child = NULL;
    long started = 0; /* nodes>1: the placement policy may start the child on another node */
    if (node != dsm_glue_cpu_of_caller())
        started = dsm_threads_start(node, tid, &ctx, flags, uparent_tid, uchild_tid, parent->sigmask);
    else if (!(child = thread_create_user(&ctx)))
        started = dsm_active() ? dsm_threads_start_elsewhere(tid, &ctx, flags, uparent_tid, uchild_tid, parent->sigmask)
                               : -LINUX_EAGAIN; /* full here: a node with room takes it */
    if (started < 0)
        thread_names_gone(tid);
    if (!child)
        return started < 0 ? started : tid;
    child->tid = tid; /* thread.h allows it before the first run */
    if (flags & LINUX_CLONE_CHILD_CLEARTID)
        child->clear_child_tid = uchild_tid;
    child->sigmask = parent->sigmask;
    child->nice = parent->nice;
    child->clock_seen_ns = parent->clock_seen_ns;
    child->prctl = thread_prctl_inherit(parent->prctl);
    /* The thread exists whatever these stores do; a bad address only loses the store. */
    if (flags & LINUX_CLONE_PARENT_SETTID)
        copy_to_user(uparent_tid, &tid, sizeof tid);
    if (flags & LINUX_CLONE_CHILD_SETTID)
        copy_to_user(uchild_tid, &tid, sizeof tid);
    return tid;
}

long sys_exit(uint64_t status, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    thread_names_gone(thread_current()->tid); /* before its joiner wakes: a joined thread is not listed */
    thread_exit((int)(status & EXIT_STATUS_MASK));
}

long sys_exit_group(uint64_t status, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    shared_maps_write_back(0, UVM_USER_END); /* the stores in shared file mappings reach their files */
    program_exit((int)(status & EXIT_STATUS_MASK));
}

long sys_set_tid_address(uint64_t uaddr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    struct thread *t = thread_current();
    t->clear_child_tid = uaddr;
    return t->tid;
}

long sys_set_robust_list(uint64_t head, uint64_t len, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    if (len != 3 * sizeof(uint64_t)) /* sizeof(struct robust_list_head) */
        return -LINUX_EINVAL;
    thread_current()->robust_list = head;
    return 0;
}

/* get_robust_list(2): the head a thread registered (pid 0: the caller's) and its size. musl's
 * pthread_mutexattr_setrobust asks for the caller's to learn that robust mutexes work (it
 * then keeps the list itself and releases a dying owner's mutexes in pthread_exit); before
 * this call existed it answered ENOSYS and the mutex stayed an ordinary one. A thread of
 * another node cannot be read from here: ESRCH, as for one that does not exist. */
long sys_get_robust_list(uint64_t pid, uint64_t uhead, uint64_t ulen, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    const struct thread *t = pid == 0 ? thread_current() : pid <= INT32_MAX ? thread_find((int)pid) : NULL;
    if (!t)
        return -LINUX_ESRCH;
    uint64_t head = t->robust_list, len = 3 * sizeof(uint64_t);
    if (copy_to_user(uhead, &head, sizeof head) != 0 || copy_to_user(ulen, &len, sizeof len) != 0)
        return -LINUX_EFAULT;
    return 0;
}

/* A process-wide prctl setting (kernel/process_attrs.c, on the table's node): its value
 * before; set stores value first when set. */
static long prctl_process_attr(unsigned attr, bool set, uint64_t value)
{
    struct files_call c = { .op = FILES_OP_PROCESS_ATTR, .arg = attr, .arg2 = set ? FILES_PROCESS_ATTR_SET | value : 0 };
    size_t n;
    return (long)files_call(&c, NULL, &n);
}

/* An int answer stored at user address uaddr (PR_GET_PDEATHSIG, PR_GET_CHILD_SUBREAPER). */
static long prctl_put_int(uint64_t uaddr, long value)
{
    int32_t v = (int32_t)value;
    return value < 0 ? value : copy_to_user(uaddr, &v, sizeof v) != 0 ? -LINUX_EFAULT : 0;
}

/* prctl's settings that change nothing here but are kept, as Linux keeps them, so a
 * program reads back what it set: -ENOSYS for an option that is not one of them. */
static long prctl_setting(uint64_t option, uint64_t arg2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct thread_prctl *p = &thread_current()->prctl;
    switch (option) {
    case LINUX_PR_SET_NO_NEW_PRIVS:
        if (arg2 != 1 || a3 || a4 || a5)
            return -LINUX_EINVAL;
        p->no_new_privs = 1;
        return 0;
    case LINUX_PR_GET_NO_NEW_PRIVS:
        return arg2 || a3 || a4 || a5 ? -LINUX_EINVAL : p->no_new_privs;
    case LINUX_PR_SET_KEEPCAPS:
        if (arg2 > 1)
            return -LINUX_EINVAL;
        p->keepcaps = (uint8_t)arg2;
        return 0;
    case LINUX_PR_GET_KEEPCAPS:
        return p->keepcaps;
    case LINUX_PR_SET_PDEATHSIG:
        if (arg2 > THREAD_NSIG)
            return -LINUX_EINVAL;
        p->pdeathsig = (uint8_t)arg2;
        return 0;
    case LINUX_PR_GET_PDEATHSIG:
        return prctl_put_int(arg2, p->pdeathsig);
    case LINUX_PR_SET_TIMERSLACK: /* 0: back to the default */
        p->timerslack_ns = arg2 ? (arg2 > UINT32_MAX ? UINT32_MAX : (uint32_t)arg2) : THREAD_TIMERSLACK_DEFAULT_NS;
        return 0;
    case LINUX_PR_GET_TIMERSLACK:
        return p->timerslack_ns;
    case LINUX_PR_CAPBSET_READ: /* root's bounding set holds every capability */
        return arg2 <= LINUX_CAP_LAST_CAP ? 1 : -LINUX_EINVAL;
    case LINUX_PR_SET_DUMPABLE:
        return arg2 > 1 ? -LINUX_EINVAL : prctl_process_attr(FILES_PROCESS_ATTR_DUMPABLE, true, arg2) < 0 ? -LINUX_EIO : 0;
    case LINUX_PR_GET_DUMPABLE:
        return prctl_process_attr(FILES_PROCESS_ATTR_DUMPABLE, false, 0);
    case LINUX_PR_SET_CHILD_SUBREAPER:
        return prctl_process_attr(FILES_PROCESS_ATTR_SUBREAPER, true, arg2 != 0) < 0 ? -LINUX_EIO : 0;
    case LINUX_PR_GET_CHILD_SUBREAPER:
        return prctl_put_int(arg2, prctl_process_attr(FILES_PROCESS_ATTR_SUBREAPER, false, 0));
    case LINUX_PR_SET_THP_DISABLE:
        if (a3 || a4 || a5)
            return -LINUX_EINVAL;
        return prctl_process_attr(FILES_PROCESS_ATTR_THP_DISABLE, true, arg2 != 0) < 0 ? -LINUX_EIO : 0;
    case LINUX_PR_GET_THP_DISABLE:
        return a3 || a4 || a5 || arg2 ? -LINUX_EINVAL : prctl_process_attr(FILES_PROCESS_ATTR_THP_DISABLE, false, 0);
    default:
        return -LINUX_ENOSYS;
    }
}

/* prctl: the calling thread's name (PR_SET_NAME, PR_GET_NAME) and the settings of
 * prctl_setting; other options are EINVAL, as Linux answers for one it does not know. */
long sys_prctl(uint64_t option, uint64_t arg2, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a5;
    struct thread *t = thread_current();
    char name[THREAD_COMM_LEN];
    long setting = prctl_setting(option, arg2, a2, a3, a4);
    if (setting != -LINUX_ENOSYS)
        return setting;
    switch (option) {
    case LINUX_PR_SET_NAME: {
        long n = copy_string_from_user(name, arg2, sizeof name);
        if (n == -LINUX_EFAULT)
            return n;
        if (n < 0) { /* longer than the name: its first bytes, as Linux keeps them */
            if (copy_from_user(name, arg2, sizeof name - 1) != 0)
                return -LINUX_EFAULT;
            name[sizeof name - 1] = '\0';
        }
        return thread_names_set(t->tid, name);
    }
    case LINUX_PR_GET_NAME: {
        long r = thread_names_get(t->tid, name);
        if (r < 0)
            return r;
        return copy_to_user(arg2, name, sizeof name) != 0 ? -LINUX_EFAULT : 0;
    }
    default:
        return -LINUX_EINVAL;
    }
}

long sys_arch_prctl(uint64_t code, uint64_t addr, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    struct thread *t = thread_current();
    switch (code) {
    case LINUX_ARCH_SET_FS:
        if (addr >= USER_SPACE_END)
            return -LINUX_EPERM;
        t->fs_base = addr;
        context_set_fs_base(addr);
        return 0;
    case LINUX_ARCH_GET_FS:
        return copy_to_user(addr, &t->fs_base, sizeof t->fs_base);
    default:
        return -LINUX_EINVAL;
    }
}

long sys_gettid(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return thread_current()->tid;
}

long sys_getpid(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return THREAD_FIRST_TID;
}

/* getpgid and getsid: the program is the only process, leader of its group and session;
 * pid 0 means the caller, any other pid but ours names no process. */
long sys_getpgid(uint64_t pid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return (int32_t)pid == 0 || (int32_t)pid == THREAD_FIRST_TID ? THREAD_FIRST_TID : -LINUX_ESRCH;
}

/* setpgid(2): the program's process already leads its group; it may name only itself
 * (pid 0 or ours) and keep its own group (pgid 0 or ours). */
long sys_setpgid(uint64_t pid, uint64_t pgid, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    if ((int32_t)pgid < 0)
        return -LINUX_EINVAL;
    if ((int32_t)pid != 0 && (int32_t)pid != THREAD_FIRST_TID)
        return -LINUX_ESRCH;
    return (int32_t)pgid == 0 || (int32_t)pgid == THREAD_FIRST_TID ? 0 : -LINUX_EPERM;
}

/* setsid(2): a process group leader may not start a session, and ours leads its group. */
long sys_setsid(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return -LINUX_EPERM;
}

long sys_sched_yield(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    sched_yield();
    return 0;
}

/* One CPU per node (sys_sched_getaffinity): a mask that leaves out the caller's node moves
 * the caller to the lowest node it names, so a program pinning its threads spreads them
 * over the cluster. Another thread cannot be moved (a migration takes the thread's own
 * snapshot): its mask must allow the node it runs on. */
long sys_sched_setaffinity(uint64_t pid, uint64_t len, uint64_t umask, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    struct thread *t = pid == 0 ? thread_current() : thread_find((int)pid);
    if (!t)
        return -LINUX_ESRCH;
    if (len < AFFINITY_MASK_BYTES)
        return -LINUX_EINVAL;
    uint64_t mask;
    if (copy_from_user(&mask, umask, sizeof mask) != 0)
        return -LINUX_EFAULT;
    unsigned cpus = dsm_glue_cpus(), here = dsm_glue_cpu_of_caller();
    uint64_t all = cpus >= AFFINITY_MASK_BITS ? ~0ull : (1ull << cpus) - 1;
    mask &= all;
    if (!mask)
        return -LINUX_EINVAL;
    if (mask != all && dsm_active())
        dsm_affinity_pin(t); /* the program chose where it runs: data affinity leaves it there */
    if (mask & (1ull << here))
        return 0;
    if (t != thread_current())
        return -LINUX_EINVAL;
    return dsm_threads_migrate_self((unsigned)__builtin_ctzll(mask));
}

/* Scheduling policy and priority: every thread runs under SCHED_OTHER, priority 0 (the
 * scheduler is round robin). Setting SCHED_OTHER, BATCH or IDLE with priority 0 succeeds
 * and changes nothing; the real-time policies are refused with EPERM, as for a process
 * without CAP_SYS_NICE (there is no real-time scheduling here). A pid may name a thread on
 * another node (asked there). */
static long sched_policy_target(uint64_t pid)
{
    if ((int64_t)pid < 0 || pid > INT32_MAX)
        return -LINUX_EINVAL;
    if (pid == 0 || thread_find((int)pid) || dsm_threads_signal((int32_t)pid, 0) == 0)
        return 0;
    return -LINUX_ESRCH;
}

static bool sched_policy_known(uint64_t policy)
{
    return policy == SCHED_POLICY_OTHER || policy == SCHED_POLICY_FIFO || policy == SCHED_POLICY_RR ||
           policy == SCHED_POLICY_BATCH || policy == SCHED_POLICY_IDLE || policy == SCHED_POLICY_DEADLINE;
}

static bool sched_policy_realtime(uint64_t policy)
{
    return policy == SCHED_POLICY_FIFO || policy == SCHED_POLICY_RR;
}

/* The checks shared by sched_setscheduler and sched_setparam (a struct sched_param is one int). */
static long sched_set(uint64_t pid, uint64_t policy, uint64_t uparam)
{
    int32_t priority;
    if (!uparam || !sched_policy_known(policy) || policy == SCHED_POLICY_DEADLINE) /* sched_setattr's only */
        return -LINUX_EINVAL;
    if (copy_from_user(&priority, uparam, sizeof priority) != 0)
        return -LINUX_EFAULT;
    bool realtime = sched_policy_realtime(policy);
    if (realtime ? priority < SCHED_RT_PRIORITY_MIN || priority > SCHED_RT_PRIORITY_MAX : priority != 0)
        return -LINUX_EINVAL;
    long target = sched_policy_target(pid);
    if (target != 0)
        return target;
    return realtime ? -LINUX_EPERM : 0;
}

long sys_sched_setscheduler(uint64_t pid, uint64_t policy, uint64_t uparam, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return sched_set(pid, policy, uparam);
}

long sys_sched_setparam(uint64_t pid, uint64_t uparam, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return sched_set(pid, SCHED_POLICY_OTHER, uparam);
}

long sys_sched_getscheduler(uint64_t pid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    long target = sched_policy_target(pid);
    return target != 0 ? target : SCHED_POLICY_OTHER;
}

long sys_sched_getparam(uint64_t pid, uint64_t uparam, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    if (!uparam)
        return -LINUX_EINVAL;
    long target = sched_policy_target(pid);
    if (target != 0)
        return target;
    int32_t priority = 0;
    return copy_to_user(uparam, &priority, sizeof priority) != 0 ? -LINUX_EFAULT : 0;
}

/* Nice values (getpriority(2), setpriority(2), nice(3)): kept per thread, inherited by
 * new threads, carried when a thread moves; the round robin gives every thread the same
 * share whatever its value. PRIO_PROCESS names one thread (0: the caller); PRIO_PGRP and
 * PRIO_USER name the whole program (its one group, its one user, root): on several nodes
 * they reach this node's threads, and PRIO_PROCESS on a thread of another node is EPERM
 * (its value lives there; README). As root, lowering a value is allowed. */
#define PRIO_PROCESS 0
#define PRIO_PGRP 1
#define PRIO_USER 2
#define PRIO_FROM_NICE 20 /* the system call returns 20 - nice (1..40), never an error-like value */

/* The threads which/who names here: *one, or every thread of this node (*one NULL);
 * 0, or -EINVAL, -ESRCH, -EPERM (another node's thread). */
static long prio_target(uint64_t which, uint64_t who, struct thread **one)
{
    *one = NULL;
    if (which == PRIO_PROCESS) {
        if (who > INT32_MAX)
            return -LINUX_ESRCH;
        *one = who == 0 ? thread_current() : thread_find((int)who);
        if (*one)
            return 0;
        return dsm_active() && dsm_threads_signal((int32_t)who, 0) == 0 ? -LINUX_EPERM : -LINUX_ESRCH;
    }
    if (which == PRIO_PGRP)
        return who == 0 || who == THREAD_FIRST_TID ? 0 : -LINUX_ESRCH;
    if (which == PRIO_USER)
        return who == 0 ? 0 : -LINUX_ESRCH; /* the program's user is root, uid 0 */
    return -LINUX_EINVAL;
}

long sys_getpriority(uint64_t which, uint64_t who, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    struct thread *one;
    long r = prio_target(which, who, &one);
    if (r != 0)
        return r;
    int32_t best = THREAD_NICE_MAX; /* of several: the highest priority, as Linux reports */
    if (one)
        best = one->nice;
    for (int i = one ? THREAD_MAX : thread_next_used(0); i < THREAD_MAX; i = thread_next_used(i + 1))
        if (thread_is_live(thread_slot(i)) && thread_slot(i)->nice < best)
            best = thread_slot(i)->nice;
    return PRIO_FROM_NICE - best;
}

long sys_setpriority(uint64_t which, uint64_t who, uint64_t niceval, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    struct thread *one;
    long r = prio_target(which, who, &one);
    if (r != 0)
        return r;
    int32_t nice = (int32_t)niceval; /* an int: out-of-range values are clamped, as Linux does */
    nice = nice < THREAD_NICE_MIN ? THREAD_NICE_MIN : nice > THREAD_NICE_MAX ? THREAD_NICE_MAX : nice;
    if (one)
        one->nice = nice;
    for (int i = one ? THREAD_MAX : thread_next_used(0); i < THREAD_MAX; i = thread_next_used(i + 1))
        if (thread_is_live(thread_slot(i)))
            thread_slot(i)->nice = nice;
    return 0;
}

long sys_sched_get_priority_max(uint64_t policy, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    if (!sched_policy_known(policy))
        return -LINUX_EINVAL;
    return sched_policy_realtime(policy) ? SCHED_RT_PRIORITY_MAX : 0;
}

long sys_sched_get_priority_min(uint64_t policy, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    if (!sched_policy_known(policy))
        return -LINUX_EINVAL;
    return sched_policy_realtime(policy) ? SCHED_RT_PRIORITY_MIN : 0;
}

/* The round robin's slice, whatever the thread's policy. */
long sys_sched_rr_get_interval(uint64_t pid, uint64_t uts, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    long target = sched_policy_target(pid);
    if (target != 0)
        return target;
    struct linux_timespec slice = timespec_from_ns(SCHED_TICK_NS);
    return copy_to_user(uts, &slice, sizeof slice) != 0 ? -LINUX_EFAULT : 0;
}

long sys_sched_getaffinity(uint64_t pid, uint64_t len, uint64_t umask, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if (pid != 0 && !thread_find((int)pid))
        return -LINUX_ESRCH;
    if (len < AFFINITY_MASK_BYTES || (len & (sizeof(uint64_t) - 1)))
        return -LINUX_EINVAL;
    /* One CPU per node: a program that sizes its thread pool by sysconf(_SC_NPROCESSORS_ONLN)
     * (musl asks sched_getaffinity) starts a thread per node, as on one machine with that
     * many CPUs; with 1 it would never leave node 0. */
    unsigned cpus = dsm_glue_cpus();
    uint64_t mask = cpus >= AFFINITY_MASK_BITS ? ~0ull : (1ull << cpus) - 1;
    if (copy_to_user(umask, &mask, sizeof mask) != 0)
        return -LINUX_EFAULT;
    return AFFINITY_MASK_BYTES;
}
