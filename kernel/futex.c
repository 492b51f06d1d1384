/* SPDX-License-Identifier: MIT */
/* Futex wait queues (man 2 futex; Drepper, "Futexes Are Tricky"). The check of the word
 * and the enqueue happen with interrupts off on the only CPU, so no wake-up is lost.
 * A waiter is dequeued by its waker; one still queued when it runs again timed out.
 * PI futexes are kernel/futex_pi.c's and the robust list's walk at exit
 * kernel/futex_robust.c's, on top of these queues, as is FUTEX_WAKE_OP. */
#include "kernel/futex.h"

#include "kernel/clock.h"
#include "kernel/dsm_glue.h"
#include "kernel/linux_abi.h"
#include "kernel/sched.h"
#include "kernel/thread.h"
#include "kernel/time_conv.h"
#include "kernel/usercopy.h"

static struct thread *futex_head, *futex_tail; /* all waiters, FIFO */

int futex_waiter_count(void)
{
    int n = 0;
    for (struct thread *t = futex_head; t; t = t->wait_next)
        n++;
    return n;
}

static void futex_enqueue(struct thread *t)
{
    t->wait_next = NULL;
    if (futex_tail)
        futex_tail->wait_next = t;
    else
        futex_head = t;
    futex_tail = t;
}

/* Unlinks t (prev is its predecessor or NULL); returns the next waiter. */
static struct thread *futex_unlink(struct thread *prev, struct thread *t)
{
    struct thread *next = t->wait_next;
    if (prev)
        prev->wait_next = next;
    else
        futex_head = next;
    if (futex_tail == t)
        futex_tail = prev;
    t->wait_next = NULL;
    t->wait_key = 0;
    return next;
}

static bool futex_remove(struct thread *t)
{
    struct thread *prev = NULL;
    for (struct thread *w = futex_head; w; prev = w, w = w->wait_next) {
        if (w == t) {
            futex_unlink(prev, w);
            return true;
        }
    }
    return false;
}

static int futex_wake_bits(uint64_t addr, int n, uint32_t bitset)
{
    int woken = 0;
    struct thread *prev = NULL;
    for (struct thread *w = futex_head; w && woken < n;) {
        if (w->wait_key == addr && (w->wait_bitset & bitset)) {
            struct thread *next = futex_unlink(prev, w);
            w->wake_deadline_ns = 0;
            sched_wake(w);
            woken++;
            w = next;
        } else {
            prev = w;
            w = w->wait_next;
        }
    }
    return woken;
}

int futex_wake_address(uint64_t addr, int n)
{
    if (dsm_active()) /* nodes>1: the queue lives at the word's manager */
        return dsm_futex_wake_address(addr, n);
    return futex_wake_bits(addr, n, LINUX_FUTEX_BITSET_MATCH_ANY);
}

static long futex_wait(uint64_t uaddr, uint32_t val, uint64_t timeout, bool absolute, bool realtime, uint32_t bitset)
{
    uint64_t deadline = 0;
    long bad = timeout ? time_deadline_from_user(timeout, absolute, realtime, &deadline) : 0;
    if (bad)
        return bad;
    uint32_t current;
    if (copy_from_user(&current, uaddr, sizeof current) != 0)
        return -LINUX_EFAULT;
    if (current != val)
        return -LINUX_EAGAIN;
    if (timeout && deadline <= clock_now_ns())
        return -LINUX_ETIMEDOUT;
    struct thread *t = thread_current();
    t->wait_key = uaddr;
    t->wait_bitset = bitset;
    t->wait_timed_out = false;
    t->wake_deadline_ns = deadline;
    t->wait_interrupted = false;
    t->wait_interruptible = true;
    futex_enqueue(t);
    sched_block();
    t->wait_interruptible = false;
    t->wake_deadline_ns = 0;
    bool queued = futex_remove(t);
    if (t->wait_interrupted && queued)
        return -LINUX_ERESTARTSYS;
    if (queued)
        return -LINUX_ETIMEDOUT;
    return 0;
}

static long futex_requeue(uint64_t uaddr, int n_wake, int n_requeue, uint64_t uaddr2, bool compare, uint32_t val3)
{
    if (compare) {
        uint32_t current;
        if (copy_from_user(&current, uaddr, sizeof current) != 0)
            return -LINUX_EFAULT;
        if (current != val3)
            return -LINUX_EAGAIN;
    }
    if ((uaddr2 & 3) || !user_range_ok(uaddr2, sizeof(uint32_t)))
        return -LINUX_EFAULT;
    int woken = futex_wake_address(uaddr, n_wake);
    int moved = 0;
    for (struct thread *w = futex_head; w && moved < n_requeue; w = w->wait_next) {
        if (w->wait_key == uaddr) {
            w->wait_key = uaddr2;
            moved++;
        }
    }
    return woken + moved;
}

long futex_syscall(uint64_t uaddr, int op, uint32_t val, uint64_t timeout_or_val2, uint64_t uaddr2, uint32_t val3)
{
    int cmd = op & LINUX_FUTEX_CMD_MASK;
    bool realtime = (op & LINUX_FUTEX_CLOCK_REALTIME) != 0;
    if (op & ~(LINUX_FUTEX_CMD_MASK | LINUX_FUTEX_PRIVATE_FLAG | LINUX_FUTEX_CLOCK_REALTIME))
        return -LINUX_ENOSYS;
    if ((uaddr & 3) || !user_range_ok(uaddr, sizeof(uint32_t)))
        return (uaddr & 3) ? -LINUX_EINVAL : -LINUX_EFAULT;
    if (realtime && cmd != LINUX_FUTEX_WAIT_BITSET && cmd != LINUX_FUTEX_WAIT && cmd != LINUX_FUTEX_LOCK_PI2)
        return -LINUX_ENOSYS;
    if (cmd == LINUX_FUTEX_LOCK_PI || cmd == LINUX_FUTEX_LOCK_PI2 || cmd == LINUX_FUTEX_TRYLOCK_PI ||
        cmd == LINUX_FUTEX_UNLOCK_PI) /* over the waits and wakes below, on any number of nodes */
        return futex_pi_syscall(uaddr, cmd, timeout_or_val2, realtime);
    if (cmd == LINUX_FUTEX_WAKE_OP) /* the same: an atomic on the word, then two wakes */
        return futex_wake_op(uaddr, val, (uint32_t)timeout_or_val2, uaddr2, val3);
    if (dsm_active()) /* nodes>1: the queue lives at the word's manager */
        return dsm_futex_syscall(uaddr, cmd, realtime, val, timeout_or_val2, uaddr2, val3);
    int count = val > (uint32_t)THREAD_MAX * 2 ? THREAD_MAX * 2 : (int)val; /* INT_MAX means "all" */
    switch (cmd) {
    case LINUX_FUTEX_WAIT:
        /* FUTEX_WAIT's timeout is relative even with FUTEX_CLOCK_REALTIME (futex(2)). */
        return futex_wait(uaddr, val, timeout_or_val2, false, false, LINUX_FUTEX_BITSET_MATCH_ANY);
    case LINUX_FUTEX_WAIT_BITSET:
        if (val3 == 0)
            return -LINUX_EINVAL;
        return futex_wait(uaddr, val, timeout_or_val2, true, realtime, val3);
    case LINUX_FUTEX_WAKE:
        return futex_wake_address(uaddr, count);
    case LINUX_FUTEX_WAKE_BITSET:
        if (val3 == 0)
            return -LINUX_EINVAL;
        return futex_wake_bits(uaddr, count, val3);
    case LINUX_FUTEX_REQUEUE:
    case LINUX_FUTEX_CMP_REQUEUE: {
        uint64_t n2 = timeout_or_val2 > (uint64_t)THREAD_MAX * 2 ? THREAD_MAX * 2 : timeout_or_val2;
        if ((int32_t)val < 0 || (int64_t)timeout_or_val2 < 0)
            return -LINUX_EINVAL;
        return futex_requeue(uaddr, count, (int)n2, uaddr2, cmd == LINUX_FUTEX_CMP_REQUEUE, val3);
    }
    default:
        return -LINUX_ENOSYS;
    }
}

/* ---- in-kernel tests ---- */

#include "kernel/ktest.h"
#include "kernel/program.h"
#include "kernel/uvm.h"

KTEST(futex_checks_before_blocking)
{
    program_kernel_init();
    long page = uvm_mmap(0, 4096, LINUX_PROT_READ | LINUX_PROT_WRITE, LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS);
    if (!KT_EXPECT(page > 0))
        return;
    uint64_t word = (uint64_t)page;
    uint32_t five = 5;
    KT_EXPECT_EQ(copy_to_user(word, &five, sizeof five), 0);
    /* None of these may block: the value differs, the address is bad, or nobody waits. */
    KT_EXPECT_EQ(futex_syscall(word, LINUX_FUTEX_WAIT, 4, 0, 0, 0), -LINUX_EAGAIN);
    KT_EXPECT_EQ(futex_syscall(word + 1, LINUX_FUTEX_WAIT, 5, 0, 0, 0), -LINUX_EINVAL);
    KT_EXPECT_EQ(futex_syscall(word + 4096, LINUX_FUTEX_WAIT, 0, 0, 0, 0), -LINUX_EFAULT);
    KT_EXPECT_EQ(futex_syscall(word, LINUX_FUTEX_WAKE | LINUX_FUTEX_PRIVATE_FLAG, 1, 0, 0, 0), 0);
    KT_EXPECT_EQ(futex_syscall(word, LINUX_FUTEX_WAIT_BITSET, 5, 0, 0, 0), -LINUX_EINVAL);
    KT_EXPECT_EQ(futex_syscall(word, LINUX_FUTEX_CMP_REQUEUE, 1, 1, word + 4, 6), -LINUX_EAGAIN);
    KT_EXPECT_EQ(futex_syscall(word, LINUX_FUTEX_CMP_REQUEUE, 1, 1, word + 4, 5), 0);
    KT_EXPECT_EQ(futex_syscall(word, 99, 0, 0, 0, 0), -LINUX_ENOSYS);
    KT_EXPECT_EQ(futex_waiter_count(), 0);
    KT_EXPECT_EQ(uvm_munmap(word, 4096), 0);
}
