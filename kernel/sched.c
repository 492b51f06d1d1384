/* SPDX-License-Identifier: MIT */
/* Round-robin scheduling of user threads on the node's one CPU. Kernel code runs with
 * IF=0, so the run queue needs no lock; interrupts reach us only in user mode or in
 * sched_idle()'s cpu_wait_for_interrupt(). The tick preempts only a thread interrupted in
 * user mode: the kernel is never preempted. Timed blocks are woken by one kernel timer
 * kept armed for the nearest deadline (and checked on every idle wake-up). */
#include "kernel/sched.h"

#include <arch/apic.h>
#include <arch/context.h>
#include <arch/cpu.h>
#include <arch/gdt.h>

#include "kernel/clock.h"
#include "kernel/cpu_watch.h"
#include "kernel/format.h"
#include "kernel/irq.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/syscall.h"
#include "kernel/timer.h"

static struct thread *sched_current;
static struct thread *runq_head, *runq_tail;
static struct thread *sched_dead;     /* exited thread whose stack is still in use until the switch */
static struct timer sched_deadline_timer; /* fires at the nearest wake_deadline_ns */
static uint64_t sched_switches;
static uint64_t sched_preemptions;
static bool sched_woken_since_irq; /* a thread became READY during the current interrupt */
static uint64_t sched_idle_total_ns; /* halted in sched_pick_or_idle */
static uint64_t sched_halts;         /* times sched_pick_or_idle halted */
static uint64_t sched_exited_cpu_ns; /* CPU time of the threads that have exited */
/* Slots of the threads that blocked with a wake_deadline_ns (bit i = slot i); a bit may
 * outlive its block (woken, deadline cleared) and is dropped at the next scan. Every block
 * and idle wake-up looks for due deadlines: scanning only these, not the whole thread table
 * (128 slots of ~700 bytes, 22 pages), keeps that off the fault path (under TCG each page
 * touched costs a software TLB fill). */
#define SCHED_TIMED_WORDS ((THREAD_MAX + 63) / 64)
static uint64_t sched_timed[SCHED_TIMED_WORDS];

/* Brings the current thread's CPU time up to now. */
static void sched_charge(uint64_t now)
{
    struct thread *cur = sched_current;
    if (cur && cur->state != THREAD_DEAD) {
        cpu_watch_charge(cur, now - cur->ran_since_ns);
        cur->cpu_ns += now - cur->ran_since_ns;
        cur->ran_since_ns = now;
    }
}

void sched_charge_running(void)
{
    if (sched_current && sched_current->state == THREAD_RUNNING)
        sched_charge(clock_now_ns());
}

struct thread *thread_current(void)
{
    return sched_current;
}

void sched_enqueue(struct thread *t)
{
    t->state = THREAD_READY;
    t->ready_since_ns = clock_now_ns();
    t->next = NULL;
    if (runq_tail)
        runq_tail->next = t;
    else
        runq_head = t;
    runq_tail = t;
}

static struct thread *sched_dequeue(void)
{
    struct thread *t = runq_head;
    if (t) {
        runq_head = t->next;
        if (!runq_head)
            runq_tail = NULL;
        t->next = NULL;
    }
    return t;
}

bool sched_remove(struct thread *t)
{
    struct thread *prev = NULL;
    for (struct thread *q = runq_head; q; prev = q, q = q->next) {
        if (q != t)
            continue;
        if (prev)
            prev->next = q->next;
        else
            runq_head = q->next;
        if (runq_tail == q)
            runq_tail = prev;
        q->next = NULL;
        return true;
    }
    return false;
}

/* Wakes every blocked thread whose deadline passed. Threads are found through the table
 * so a timed-out futex waiter is still on its futex queue: kernel/futex.c unlinks it when
 * it runs again (wait_timed_out tells it). */
static void sched_check_deadlines(void)
{
    uint64_t now = clock_now_ns();
    for (int w = 0; w < SCHED_TIMED_WORDS; w++)
        for (uint64_t bits = sched_timed[w]; bits; bits &= bits - 1) {
            int slot = w * 64 + __builtin_ctzll(bits);
            struct thread *t = thread_slot(slot);
            if (t->state != THREAD_BLOCKED || !t->wake_deadline_ns) {
                sched_timed[w] &= ~(1ull << (slot % 64)); /* woken by someone else */
            } else if (t->wake_deadline_ns <= now) {
                sched_timed[w] &= ~(1ull << (slot % 64));
                t->wait_timed_out = true;
                t->wake_deadline_ns = 0;
                sched_wake(t);
            }
        }
}

/* The earliest pending deadline of a blocked thread, or 0 if none. */
static uint64_t sched_next_deadline(void)
{
    uint64_t next = 0;
    for (int w = 0; w < SCHED_TIMED_WORDS; w++)
        for (uint64_t bits = sched_timed[w]; bits; bits &= bits - 1) {
            const struct thread *t = thread_slot(w * 64 + __builtin_ctzll(bits));
            if (t->state == THREAD_BLOCKED && t->wake_deadline_ns && (!next || t->wake_deadline_ns < next))
                next = t->wake_deadline_ns;
        }
    return next;
}

static void sched_deadline_expired(struct timer *timer, void *arg);

/* Keeps sched_deadline_timer armed for the nearest deadline (its callback only wakes). */
static void sched_arm_deadline(void)
{
    uint64_t next = sched_next_deadline();
    if (next)
        timer_arm(&sched_deadline_timer, next, sched_deadline_expired, NULL);
    else
        timer_cancel(&sched_deadline_timer);
}

static void sched_deadline_expired(struct timer *timer, void *arg)
{
    (void)timer;
    (void)arg;
    sched_check_deadlines();
    sched_arm_deadline();
}

/* Switches the CPU from the current thread to next (both are set up; next is not queued). */
static void sched_switch_to(struct thread *next)
{
    struct thread *prev = sched_current;
    if (next == prev) {
        next->state = THREAD_RUNNING;
        return;
    }
    fpu_save(&prev->fpu);
    uint64_t now = clock_now_ns();
    sched_charge(now);
    if (next->state == THREAD_READY)
        next->ready_ns += now - next->ready_since_ns;
    next->ran_since_ns = now;
    next->state = THREAD_RUNNING;
    sched_current = next;
    syscall_kernel_rsp = next->kstack_top;
    tss_set_kernel_stack(next->kstack_top);
    context_set_fs_base(next->fs_base);
    fpu_restore(&next->fpu);
    sched_switches++;
    context_switch(&prev->kernel_rsp, next->kernel_rsp);
    sched_thread_started();
}

uint64_t sched_switch_count(void)
{
    return sched_switches;
}

uint64_t sched_preempt_count(void)
{
    return sched_preemptions;
}

void sched_thread_started(void)
{
    if (sched_dead && sched_dead != sched_current) {
        thread_release(sched_dead);
        sched_dead = NULL;
    }
}

/* Returns the next thread to run, halting while none is READY. */
static struct thread *sched_pick_or_idle(void)
{
    for (;;) {
        sched_check_deadlines();
        struct thread *t = sched_dequeue();
        if (t)
            return t;
        sched_arm_deadline();
        uint64_t halted = clock_now_ns();
        sched_charge(halted);
        sched_halts++;
        cpu_wait_for_interrupt();
        uint64_t woken = clock_now_ns();
        sched_idle_total_ns += woken - halted;
        if (sched_current)
            sched_current->ran_since_ns = woken; /* the halt was nobody's CPU time */
    }
}

uint64_t sched_idle_ns(void)
{
    return sched_idle_total_ns;
}

uint64_t sched_halt_count(void)
{
    return sched_halts;
}

uint64_t sched_thread_cpu_ns(const struct thread *t)
{
    uint64_t ns = t->cpu_moved_ns + t->cpu_ns;
    if (t == sched_current && t->state == THREAD_RUNNING)
        ns += clock_now_ns() - t->ran_since_ns;
    return ns;
}

uint64_t sched_process_cpu_ns(void)
{
    uint64_t ns = sched_exited_cpu_ns;
    for (int i = thread_next_used(0); i < THREAD_MAX; i = thread_next_used(i + 1)) {
        const struct thread *t = thread_slot(i);
        if (thread_is_live(t))
            ns += sched_thread_cpu_ns(t) - t->cpu_moved_ns;
    }
    return ns;
}

void sched_yield(void)
{
    sched_check_deadlines();
    if (!runq_head)
        return;
    struct thread *cur = sched_current;
    sched_enqueue(cur);
    sched_switch_to(sched_dequeue());
}

void sched_block(void)
{
    struct thread *cur = sched_current;
    cur->state = THREAD_BLOCKED;
    if (cur->wake_deadline_ns) {
        int slot = thread_index(cur);
        sched_timed[slot / 64] |= 1ull << (slot % 64);
        sched_arm_deadline();
    }
    sched_switch_to(sched_pick_or_idle());
}

void sched_wake(struct thread *t)
{
    if (t->state == THREAD_BLOCKED) {
        sched_enqueue(t);
        sched_woken_since_irq = true;
    }
}

void sched_dump(void)
{
    static const char *const names[] = { "free", "ready", "running", "blocked", "dead" };
    uint64_t now = clock_now_ns();
    char queue[96];
    size_t used = 0;
    queue[0] = 0;
    for (const struct thread *t = runq_head; t && used < sizeof queue - 16; t = t->next)
        used += (size_t)fmt_snprintf(queue + used, sizeof queue - used, " %d", t->tid);
    log_info("dump: sched current %d run queue [%s ] switches %llu idle %llu ms", sched_current ? sched_current->tid : 0,
             queue, (unsigned long long)sched_switches, (unsigned long long)(sched_idle_total_ns / NS_PER_MS));
    for (int i = thread_next_used(0); i < THREAD_MAX; i = thread_next_used(i + 1)) {
        const struct thread *t = thread_slot(i);
        char due[40] = "";
        if (t->wake_deadline_ns)
            fmt_snprintf(due, sizeof due, " deadline in %lld us",
                         ((long long)t->wake_deadline_ns - (long long)now) / (long long)NS_PER_US);
        log_info("dump: thread %d slot %d %s futex 0x%llx%s%s sigpending 0x%llx mask 0x%llx", t->tid, i,
                 (unsigned)t->state < sizeof names / sizeof names[0] ? names[t->state] : "?",
                 (unsigned long long)t->wait_key, due, t->wait_interruptible ? " interruptible" : "",
                 (unsigned long long)t->sigpending, (unsigned long long)t->sigmask);
    }
}

void sched_exit_current(void)
{
    struct thread *cur = sched_current;
    sched_charge(clock_now_ns());
    sched_exited_cpu_ns += cur->cpu_ns;
    cpu_watch_exited(cur);
    cur->state = THREAD_DEAD;
    sched_dead = cur;
    sched_switch_to(sched_pick_or_idle());
    panic("sched: a dead thread was scheduled again");
}

/* The tick: deadlines, then preemption if the interrupt came from user mode. It came from
 * user mode exactly when the frame at the top of the current kernel stack was pushed for
 * this timer interrupt (an interrupt in the kernel's idle wait pushes its frame deeper,
 * below a syscall frame). The LAPIC gets its EOI before we switch, because the switched-to
 * thread may run in user mode for a long time and the in-service timer vector would
 * otherwise mask every interrupt; irq_dispatch's second EOI then finds nothing in service. */
static void sched_tick(void)
{
    struct thread *cur = sched_current;
    if (!cur || cur->state != THREAD_RUNNING || !runq_head)
        return;
    if (thread_user_frame(cur)->vector != IRQ_VECTOR_TIMER)
        return;
    lapic_eoi();
    sched_preemptions++;
    sched_yield();
}

/* Preempt-on-wake: an interrupt that woke a thread (a page or futex answer from the NIC)
 * while another ran in user mode switches at once instead of leaving the woken thread to
 * wait for the tick (up to SCHED_TICK_NS: milliseconds per remote fault). Same user-mode
 * test as the tick; irq_dispatch has already sent the EOI. */
static void sched_irq_preempt(unsigned vector)
{
    bool woken = sched_woken_since_irq;
    sched_woken_since_irq = false;
    struct thread *cur = sched_current;
    if (!woken || !cur || cur->state != THREAD_RUNNING || !runq_head || vector == IRQ_VECTOR_TIMER)
        return;
    if (thread_user_frame(cur)->vector != vector)
        return;
    sched_preemptions++;
    sched_yield();
}

static void (*sched_user_return_hook)(void);

void sched_set_user_return_hook(void (*fn)(void))
{
    sched_user_return_hook = fn;
}

/* After an interrupt's work (and any switch it caused): a thread about to return to user
 * mode from this interrupt meets the user-return hook (data affinity may move it), then
 * runs its pending signal's handler first, so a thread computing without system calls still
 * gets pthread_kill, pthread_cancel or a default action within one tick. Same user-mode
 * test as the tick. */
static void sched_irq_exit(unsigned vector)
{
    sched_irq_preempt(vector);
    struct thread *cur = sched_current;
    if (!cur || cur->state != THREAD_RUNNING || thread_user_frame(cur)->vector != vector)
        return;
    if (sched_user_return_hook)
        sched_user_return_hook();
    if (cur->sigpending & ~cur->sigmask)
        signal_deliver_pending(thread_user_frame(cur), SIGNAL_NOT_SYSCALL);
}

void sched_start(void)
{
    struct thread *first = sched_dequeue();
    KASSERT(first != NULL);
    timer_set_tick(SCHED_TICK_NS, sched_tick);
    irq_set_exit_hook(sched_irq_exit);
    first->state = THREAD_RUNNING;
    first->ran_since_ns = clock_now_ns();
    sched_current = first;
    syscall_kernel_rsp = first->kstack_top;
    tss_set_kernel_stack(first->kstack_top);
    context_set_fs_base(first->fs_base);
    fpu_restore(&first->fpu);
    uint64_t unused_rsp;
    context_switch(&unused_rsp, first->kernel_rsp);
    panic("sched: boot context resumed");
}
