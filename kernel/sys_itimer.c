/* SPDX-License-Identifier: MIT */
/* setitimer, getitimer and alarm (man 2 setitimer): each of the program's three interval
 * timers is one more timer of the POSIX timer table on node 0 (POSIX_TIMER_ITIMER_REAL,
 * _VIRTUAL and _PROF, kernel/posix_timers.c), so a thread on any node sees and replaces the
 * same timer. ITIMER_REAL counts real time and sends SIGALRM to the process: a thread that
 * takes it, the one that set it last first, on whatever node it runs by then.
 * ITIMER_VIRTUAL and ITIMER_PROF count the CPU time of the process's threads on every node
 * (both count all of it: kernel time is not told apart) and send SIGVTALRM and SIGPROF to
 * the thread whose time made them expire (kernel/cpu_watch.h). si_code is SI_KERNEL. */
#include "kernel/clock.h"
#include "kernel/files.h"
#include "kernel/linux_abi.h"
#include "kernel/posix_timers.h"
#include "kernel/syscall.h"
#include "kernel/thread.h"
#include "kernel/time_conv.h"
#include "kernel/usercopy.h"

#define ITIMER_REAL 0 /* include/uapi/linux/time.h */
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2
#define ITIMER_US_PER_SEC 1000000ull

struct linux_itimerval {
    struct linux_timeval interval, value;
};

static bool itimer_timeval_valid(const struct linux_timeval *tv)
{
    return tv->tv_sec >= 0 && tv->tv_usec >= 0 && (uint64_t)tv->tv_usec < ITIMER_US_PER_SEC;
}

static struct linux_timespec itimer_timespec(const struct linux_timeval *tv)
{
    return (struct linux_timespec){ tv->tv_sec, tv->tv_usec * (int64_t)NS_PER_US };
}

static struct linux_timeval itimer_timeval(const struct linux_timespec *ts)
{
    /* Rounded up, as Linux reports a running timer: never 0 while it still runs. */
    uint64_t us = (timespec_to_ns(ts) + NS_PER_US - 1) / NS_PER_US;
    return (struct linux_timeval){ (int64_t)(us / ITIMER_US_PER_SEC), (int64_t)(us % ITIMER_US_PER_SEC) };
}

/* The timer table's id of itimer which (one of the three). */
static int32_t itimer_id(uint64_t which)
{
    return which == ITIMER_REAL ? POSIX_TIMER_ITIMER_REAL
           : which == ITIMER_VIRTUAL ? POSIX_TIMER_ITIMER_VIRTUAL
                                     : POSIX_TIMER_ITIMER_PROF;
}

/* Sets itimer which to next (NULL: only reads it); its setting before into *old. */
static long itimer_call(uint64_t which, const struct linux_itimerval *next, struct linux_itimerval *old)
{
    struct linux_itimerspec set, was;
    struct files_call c = { .op = FILES_OP_TIMER_GET, .fd = itimer_id(which) };
    if (next) {
        set = (struct linux_itimerspec){ itimer_timespec(&next->interval), itimer_timespec(&next->value) };
        c = (struct files_call){ .op = FILES_OP_TIMER_SET, .fd = itimer_id(which),
                                 .arg2 = (uint32_t)thread_current()->tid, .len = sizeof set,
                                 .in = (const uint8_t *)&set };
    }
    size_t n;
    long rc = (long)files_call(&c, &was, &n);
    if (rc == 0)
        *old = (struct linux_itimerval){ itimer_timeval(&was.it_interval), itimer_timeval(&was.it_value) };
    return rc;
}

long sys_getitimer(uint64_t which, uint64_t uvalue, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    if (which > ITIMER_PROF)
        return -LINUX_EINVAL;
    struct linux_itimerval cur;
    long rc = itimer_call(which, NULL, &cur);
    if (rc)
        return rc;
    return copy_to_user(uvalue, &cur, sizeof cur) != 0 ? -LINUX_EFAULT : 0;
}

long sys_setitimer(uint64_t which, uint64_t unew, uint64_t uold, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if (which > ITIMER_PROF)
        return -LINUX_EINVAL;
    struct linux_itimerval next = { { 0, 0 }, { 0, 0 } }, old = { { 0, 0 }, { 0, 0 } };
    if (unew && copy_from_user(&next, unew, sizeof next) != 0)
        return -LINUX_EFAULT;
    if (!itimer_timeval_valid(&next.interval) || !itimer_timeval_valid(&next.value))
        return -LINUX_EINVAL;
    long rc = itimer_call(which, &next, &old);
    if (rc == 0 && uold && copy_to_user(uold, &old, sizeof old) != 0)
        return -LINUX_EFAULT;
    return rc;
}

long sys_alarm(uint64_t seconds, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    struct linux_itimerval next = { { 0, 0 }, { (int64_t)(unsigned)seconds, 0 } }, old;
    if (itimer_call(ITIMER_REAL, &next, &old) != 0)
        return 0;
    /* The seconds that were left, rounded to the nearest (a running timer reports >= 1). */
    long left = (long)old.value.tv_sec + (old.value.tv_usec >= (int64_t)(ITIMER_US_PER_SEC / 2));
    return left == 0 && (old.value.tv_sec || old.value.tv_usec) ? 1 : left;
}
