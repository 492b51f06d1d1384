/* SPDX-License-Identifier: MIT */
/* User threads of the one program a node runs (DESIGN.md 5). A thread is a kernel stack
 * (its user registers in the trap_frame at the top while it is in the kernel), an FS base,
 * an FPU area and the Linux per-thread words (clear_child_tid, robust list). The table is
 * static: THREAD_MAX slots reused by tid; no kernel-only threads. */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#include <arch/context.h>
#include <arch/fpu.h>
#include <arch/trap.h>

/* Live threads at once on a node: Linux's default threads-max on a 128 MiB machine (RAM /
 * (8 x a 16 KiB kernel stack), kernel/fork.c set_max_threads) is about 1000. */
#define THREAD_MAX 1024
#define THREAD_NSIG 64          /* signals 1..64 (LINUX_NSIG), a bit each in the masks */
#define THREAD_KSTACK_PAGES 4   /* 16 KiB kernel stack per thread, guard page below */
#define THREAD_FIRST_TID 1      /* the main thread; getpid() returns it too */

enum thread_state {
    THREAD_FREE = 0,   /* slot unused */
    THREAD_READY,      /* on the run queue */
    THREAD_RUNNING,    /* the CPU's current thread */
    THREAD_BLOCKED,    /* waiting (futex, sleep); sched_wake makes it READY */
    THREAD_DEAD,       /* exited; its stack is freed by the next thread to run */
};

#define THREAD_COMM_LEN 16 /* Linux TASK_COMM_LEN: a thread name, NUL included (kernel/thread_names.h) */
#define THREAD_NICE_MIN (-20) /* Linux MIN_NICE (include/linux/sched/prio.h) */
#define THREAD_NICE_MAX 19    /* MAX_NICE */

/* prctl(2)'s settings of a thread (kernel/sys_thread.c). They change nothing here (no exec,
 * no child processes, one timer slack), but a program reads back what it set. */
struct thread_prctl {
    uint8_t no_new_privs; /* PR_SET_NO_NEW_PRIVS: set for good, inherited */
    uint8_t keepcaps;     /* PR_SET_KEEPCAPS */
    uint8_t pdeathsig;    /* PR_SET_PDEATHSIG: a new thread starts with none */
    uint8_t pad;
    uint32_t timerslack_ns; /* PR_SET_TIMERSLACK */
};
#define THREAD_TIMERSLACK_DEFAULT_NS 50000 /* Linux's default timer slack (init_task) */

/* The settings a thread created by one with parent's takes (copy_process: no death signal). */
static inline struct thread_prctl thread_prctl_inherit(struct thread_prctl parent)
{
    parent.pdeathsig = 0;
    return parent;
}

struct thread {
    int tid;                   /* from a per-node counter; a caller placing threads across
                                * nodes may overwrite it (cluster-wide ids) before the first run */
    enum thread_state state;
    uint64_t kstack_top;       /* TSS.rsp0 and syscall entry stack while running */
    uint64_t kernel_rsp;       /* saved by context_switch while not running */
    uint64_t fs_base;          /* TLS pointer; only arch_prctl changes it (no FSGSBASE) */
    uint64_t clear_child_tid;  /* user address zeroed and futex-woken at exit, or 0 */
    uint64_t robust_list;      /* set_robust_list's head: walked at exit (kernel/futex_robust.c) */
    uint64_t sigmask;          /* rt_sigprocmask's mask */
    uint64_t sigpending;       /* caught signals sent to this thread, not yet delivered (bit sig-1) */
    uint64_t sigpending_kill;  /* of those, the ones kill() sent (si_code SI_USER, else SI_TKILL) */
    uint64_t sigpending_timer; /* of those, the ones a timer sent (SI_TIMER, SI_KERNEL): sigtimer says which */
    struct thread_sigtimer {
        int32_t code;          /* si_code: SI_TIMER, or SI_KERNEL for ITIMER_REAL's SIGALRM */
        int32_t timerid;       /* si_timerid */
        int32_t overrun;       /* si_overrun: its expirations merged into this one signal */
        uint64_t value;        /* si_value: the timer's sigev_value */
    } sigtimer[THREAD_NSIG];   /* by signal number - 1, valid where sigpending_timer has the bit */
    /* The POSIX timer signal it took last (handler or sigwait), for its timer_getoverrun:
     * valid until it sets or deletes that timer (kernel/sys_timers.c). */
    bool timer_taken;
    int32_t timer_taken_id, timer_taken_overrun;
    uint64_t altstack_sp, altstack_size; /* sigaltstack; size 0 = none (a new thread has none) */
    uint64_t sigmask_saved;    /* rt_sigsuspend: the mask to restore once its handler is set up */
    bool sigmask_restore;      /* sigmask_saved is pending restoration */
    uint64_t sigwait_set;      /* rt_sigtimedwait: signals that end the wait even though blocked */
    uint64_t signal_wait_set;  /* while blocked waiting for signals (sigwait, sigsuspend, pause): which */
    struct thread *next;       /* run queue or futex queue link, owned by whoever queued it */
    /* Blocking state, written by the blocker and the waker (kernel/sched.c, kernel/futex.c). */
    struct thread *wait_next;  /* futex queue link (kernel/futex.c) */
    uint64_t wait_key;         /* futex word address while queued on it, else 0 */
    uint32_t wait_bitset;      /* FUTEX_WAIT_BITSET mask */
    uint64_t wake_deadline_ns; /* clock_now_ns() deadline for a timed block, 0 = none */
    bool wait_timed_out;       /* set when the deadline, not a waker, ended the block */
    bool wait_interruptible;   /* blocked in a wait a signal may end (futex wait, sleep) */
    bool wait_interrupted;     /* a signal ended that wait (the waiter returns early) */
    struct fpu_state fpu;      /* user x87/SSE state while not running */
    /* CPU time (kernel/sched.c): ns this thread was current and the CPU not halted, up
     * to ran_since_ns, the last time the count was brought up to date. */
    uint64_t cpu_ns;
    uint64_t ran_since_ns;
    /* CPU time it had on the nodes it left (a move carries it): its CPU clock counts it,
     * the process clock here does not (each node it left counts its own share). */
    uint64_t cpu_moved_ns;
    /* CPU time not yet told to node 0's CPU timers (kernel/cpu_watch.c): counted while
     * any CPU timer of the program is armed. */
    uint64_t cpu_unreported_ns;
    /* Time spent ready to run but waiting for the CPU (kernel/sched.c): the sum of each
     * wait from its enqueue (ready_since_ns) to its switch-in. */
    uint64_t ready_ns;
    uint64_t ready_since_ns;
    int32_t nice;              /* setpriority's THREAD_NICE_MIN..MAX; a new thread takes its creator's */
    uint64_t clock_seen_ns;    /* the latest program clock reading it was shown (kernel/time_conv.h);
                                * a new thread takes its creator's, a moved one keeps its own */
    struct thread_prctl prctl; /* prctl(2)'s per-thread settings (thread_prctl_inherit for a new one) */
};


/* The calling thread (the CPU's current one); NULL before the program starts. */
struct thread *thread_current(void);
/* The live thread with this tid, or NULL. */
struct thread *thread_find(int tid);
/* Slot index (0..THREAD_MAX-1) of the table, whatever its state (for scans). */
struct thread *thread_slot(int index);
/* The first slot index >= from that is not FREE, or THREAD_MAX: a scan visits
 * i = thread_next_used(0); i < THREAD_MAX; i = thread_next_used(i + 1). */
int thread_next_used(int from);
/* t is neither FREE nor DEAD. */
bool thread_is_live(const struct thread *t);
/* The slot index of t, a thread of the table (the inverse of thread_slot, in O(1)). */
int thread_index(const struct thread *t);
/* The tid thread_create_user gives the next thread it makes. */
int thread_tid_next(void);
/* Threads created since boot, the first one included. */
uint64_t thread_created_count(void);
/* Number of threads not FREE or DEAD. */
int thread_live_count(void);
/* Allocates a thread whose first run enters user mode with ctx (registers, FS base and
 * FPU area). Returns NULL when the table or kernel stacks are exhausted. The thread is
 * made READY. */
struct thread *thread_create_user(const struct user_context *ctx);
/* The user trap_frame at the top of t's kernel stack (valid while t is in the kernel). */
struct trap_frame *thread_user_frame(struct thread *t);
/* A snapshot of t's full user state (t must be in the kernel: not running user code). */
void thread_capture(struct thread *t, struct user_context *ctx);
/* Installs a snapshot into t (t must not be running): its next return to user mode
 * resumes ctx exactly - the inverse of thread_capture, for migration and checkpoints. */
void thread_restore(struct thread *t, const struct user_context *ctx);
/* Ends the calling thread: clear_child_tid handling, then the scheduler runs the next
 * thread. When it was the last one, the program ends with status. Never returns. */
__attribute__((noreturn)) void thread_exit(int status);
/* Frees the kernel stack of a DEAD thread and its slot (called by the scheduler). */
void thread_release(struct thread *t);

#endif
