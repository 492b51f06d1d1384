/* SPDX-License-Identifier: MIT */
/* setitimer, getitimer and alarm for ITIMER_REAL (man 2 setitimer): one real-time interval
 * timer per program, counted on the node where it was set. At expiry SIGALRM goes to the
 * thread that set it (Linux picks any thread of the process that does not block it: here
 * the setter, which a program that blocks SIGALRM elsewhere and waits for it in one thread
 * is), made pending there; its handler or default action runs when that thread next
 * returns to user mode. Not done: ITIMER_VIRTUAL and ITIMER_PROF (EINVAL), and following a
 * setter that moved to another node (the signal then goes to a local thread that does not
 * block it, if any). */
#include "kernel/clock.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/syscall.h"
#include "kernel/thread.h"
#include "kernel/timer.h"
#include "kernel/usercopy.h"

#define ITIMER_REAL 0 /* include/uapi/linux/time.h */
#define ITIMER_PROF 2
#define ITIMER_SIGALRM 14
#define ITIMER_US_PER_SEC 1000000ull

struct linux_itimerval {
    struct linux_timeval interval, value;
};

static struct timer itimer_timer;
static uint64_t itimer_interval_ns; /* 0: one-shot */
static int itimer_owner_tid;         /* the thread that set it */
static uint64_t itimer_dropped;      /* expiries no local thread could take */

/* The thread SIGALRM goes to: the setter if it still runs here, else the first local
 * thread that does not block it. */
static struct thread *itimer_target(void)
{
    struct thread *t = thread_find(itimer_owner_tid);
    if (t)
        return t;
    for (int i = 0; i < THREAD_MAX; i++) {
        t = thread_slot(i);
        if (t->state != THREAD_FREE && t->state != THREAD_DEAD && !(t->sigmask & (1ull << (ITIMER_SIGALRM - 1))))
            return t;
    }
    return NULL;
}

static void itimer_expired(struct timer *t, void *arg)
{
    (void)arg;
    if (itimer_interval_ns)
        timer_arm(t, t->deadline_ns + itimer_interval_ns, itimer_expired, NULL);
    struct thread *target = itimer_target();
    if (target)
        signal_make_pending(target, ITIMER_SIGALRM, true);
    else if (itimer_dropped++ == 0)
        log_warn("itimer: SIGALRM with no thread on this node to take it (further ones only counted)");
}

static bool itimer_timeval_valid(const struct linux_timeval *tv)
{
    return tv->tv_sec >= 0 && tv->tv_usec >= 0 && (uint64_t)tv->tv_usec < ITIMER_US_PER_SEC;
}

static uint64_t itimer_ns(const struct linux_timeval *tv)
{
    uint64_t sec = (uint64_t)tv->tv_sec;
    if (sec > UINT64_MAX / NS_PER_SEC - 1)
        return UINT64_MAX / 2; /* centuries: never, in practice */
    return sec * NS_PER_SEC + (uint64_t)tv->tv_usec * NS_PER_US;
}

static struct linux_timeval itimer_timeval(uint64_t ns)
{
    /* Rounded up, as Linux reports a running timer: never 0 while it still runs. */
    uint64_t us = (ns + NS_PER_US - 1) / NS_PER_US;
    return (struct linux_timeval){ (int64_t)(us / ITIMER_US_PER_SEC), (int64_t)(us % ITIMER_US_PER_SEC) };
}

static struct linux_itimerval itimer_current(void)
{
    struct linux_itimerval cur = { itimer_timeval(itimer_interval_ns), { 0, 0 } };
    uint64_t now = clock_now_ns();
    if (timer_pending(&itimer_timer))
        cur.value = itimer_timeval(itimer_timer.deadline_ns > now ? itimer_timer.deadline_ns - now : 1);
    return cur;
}

/* Replaces the timer: first expiry value_ns from now (0: off), then every interval_ns. */
static void itimer_set(uint64_t value_ns, uint64_t interval_ns)
{
    timer_cancel(&itimer_timer);
    itimer_interval_ns = interval_ns;
    if (value_ns) {
        itimer_owner_tid = thread_current()->tid;
        timer_arm(&itimer_timer, clock_now_ns() + value_ns, itimer_expired, NULL);
    }
}

long sys_getitimer(uint64_t which, uint64_t uvalue, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    if (which > ITIMER_PROF)
        return -LINUX_EINVAL;
    struct linux_itimerval cur = { { 0, 0 }, { 0, 0 } };
    if (which == ITIMER_REAL)
        cur = itimer_current();
    return copy_to_user(uvalue, &cur, sizeof cur) != 0 ? -LINUX_EFAULT : 0;
}

long sys_setitimer(uint64_t which, uint64_t unew, uint64_t uold, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if (which != ITIMER_REAL)
        return -LINUX_EINVAL;
    struct linux_itimerval next = { { 0, 0 }, { 0, 0 } };
    if (unew && copy_from_user(&next, unew, sizeof next) != 0)
        return -LINUX_EFAULT;
    if (!itimer_timeval_valid(&next.interval) || !itimer_timeval_valid(&next.value))
        return -LINUX_EINVAL;
    struct linux_itimerval old = itimer_current();
    if (uold && copy_to_user(uold, &old, sizeof old) != 0)
        return -LINUX_EFAULT;
    itimer_set(itimer_ns(&next.value), itimer_ns(&next.interval));
    return 0;
}

long sys_alarm(uint64_t seconds, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    struct linux_itimerval old = itimer_current();
    itimer_set((uint64_t)(unsigned)seconds * NS_PER_SEC, 0);
    /* The seconds that were left, rounded to the nearest (a running timer reports >= 1). */
    long left = (long)old.value.tv_sec + (old.value.tv_usec >= (int64_t)(ITIMER_US_PER_SEC / 2));
    return left == 0 && (old.value.tv_sec || old.value.tv_usec) ? 1 : left;
}
