/* SPDX-License-Identifier: MIT */
/* Time syscalls (man 2 clock_gettime, gettimeofday, nanosleep, clock_nanosleep, time) and
 * kernel/time_conv.h. Sleeps block the thread with a deadline (kernel/sched.h); nothing
 * interrupts them (no signal delivery), so the "remaining time" output is never written. */
#include <arch/rtc.h>

#include "kernel/civil_time.h"
#include "kernel/clock.h"
#include "kernel/cpu_clock.h"
#include "kernel/dsm_glue.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/sched.h"
#include "kernel/syscall.h"
#include "kernel/thread.h"
#include "kernel/time_conv.h"
#include "kernel/usercopy.h"

#define TIME_NS_PER_SEC 1000000000ull
#define TIME_NS_PER_US 1000ull

bool timespec_valid(const struct linux_timespec *ts)
{
    return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && (uint64_t)ts->tv_nsec < TIME_NS_PER_SEC;
}

uint64_t timespec_to_ns(const struct linux_timespec *ts)
{
    if ((uint64_t)ts->tv_sec >= UINT64_MAX / TIME_NS_PER_SEC)
        return UINT64_MAX;
    return (uint64_t)ts->tv_sec * TIME_NS_PER_SEC + (uint64_t)ts->tv_nsec;
}

struct linux_timespec timespec_from_ns(uint64_t ns)
{
    return (struct linux_timespec){ (int64_t)(ns / TIME_NS_PER_SEC), (int64_t)(ns % TIME_NS_PER_SEC) };
}

static int64_t time_offset_ns; /* this node's clock minus node 0's */

void time_set_node_offset(int64_t offset_ns)
{
    time_offset_ns = offset_ns;
}

/* local - offset, kept in range: the offset is within a probe's round trip of the truth,
 * so near 0 the subtraction could step outside [0, 2^64). */
static uint64_t time_shift(uint64_t ns, int64_t by)
{
    if (by >= 0)
        return ns > UINT64_MAX - (uint64_t)by ? UINT64_MAX : ns + (uint64_t)by;
    uint64_t down = (uint64_t)0 - (uint64_t)by;
    return ns > down ? ns - down : 0;
}

uint64_t time_program_ns(void)
{
    return time_shift(clock_now_ns(), -time_offset_ns);
}

static uint64_t time_add_saturating(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

uint64_t time_program_after(uint64_t ns)
{
    return time_add_saturating(time_program_ns(), ns);
}

uint64_t time_monotonic_ns(void)
{
    uint64_t now = time_program_ns();
    struct thread *t = thread_current();
    if (!t)
        return now;
    if (now < t->clock_seen_ns)
        return t->clock_seen_ns; /* moved here from a node whose estimate ran ahead */
    t->clock_seen_ns = now;
    return now;
}

static uint64_t time_epoch_ns = TIME_REALTIME_FALLBACK_EPOCH_NS;

bool time_init_wall_clock(void)
{
    struct civil_time now;
    uint64_t seconds;
    if (!rtc_read(&now) || !civil_to_unix_seconds(&now, &seconds)) {
        log_warn("clock: no usable RTC: dates start at 2023-11-14");
        return false;
    }
    uint64_t program = time_program_ns();
    time_epoch_ns = seconds * TIME_NS_PER_SEC > program ? seconds * TIME_NS_PER_SEC - program : 0;
    log_info("clock: RTC reads %04u-%02u-%02u %02u:%02u:%02u UTC", now.year, now.month, now.day, now.hour, now.minute,
             now.second);
    return true;
}

uint64_t time_realtime_epoch_ns(void)
{
    return time_epoch_ns;
}

void time_set_realtime_epoch(uint64_t epoch_ns)
{
    time_epoch_ns = epoch_ns;
}

uint64_t time_realtime_ns(void)
{
    return time_monotonic_ns() + time_epoch_ns;
}

uint64_t time_local_from_program(uint64_t program_ns)
{
    return time_shift(program_ns, time_offset_ns);
}

uint64_t time_deadline_from_relative(const struct linux_timespec *ts)
{
    return time_add_saturating(clock_now_ns(), timespec_to_ns(ts));
}

uint64_t time_deadline_from_absolute(const struct linux_timespec *ts, bool realtime)
{
    uint64_t ns = timespec_to_ns(ts);
    if (realtime)
        ns = ns > time_epoch_ns ? ns - time_epoch_ns : 0;
    return time_local_from_program(ns);
}

long time_timespec_from_user(uint64_t uts, struct linux_timespec *ts)
{
    if (copy_from_user(ts, uts, sizeof *ts) != 0)
        return -LINUX_EFAULT;
    return timespec_valid(ts) ? 0 : -LINUX_EINVAL;
}

long time_deadline_from_user(uint64_t uts, bool absolute, bool realtime, uint64_t *deadline)
{
    struct linux_timespec ts;
    long rc = time_timespec_from_user(uts, &ts);
    if (rc)
        return rc;
    *deadline = absolute ? time_deadline_from_absolute(&ts, realtime) : time_deadline_from_relative(&ts);
    return 0;
}

bool time_sleep_until(uint64_t deadline)
{
    struct thread *t = thread_current();
    t->wait_interrupted = false;
    t->wait_interruptible = true;
    while (clock_now_ns() < deadline && !t->wait_interrupted) {
        t->wait_timed_out = false;
        t->wake_deadline_ns = deadline;
        sched_block();
    }
    t->wait_interruptible = false;
    t->wake_deadline_ns = 0;
    return !t->wait_interrupted;
}

/* nanosleep's answer to a sleep a signal ended: EINTR, and what was left in urem. */
static long time_sleep_interrupted(uint64_t deadline, uint64_t urem)
{
    uint64_t now = clock_now_ns();
    struct linux_timespec rem = timespec_from_ns(deadline > now ? deadline - now : 0);
    if (urem && copy_to_user(urem, &rem, sizeof rem) != 0)
        return -LINUX_EFAULT;
    return -LINUX_EINTR;
}

/* A CPU clock's value in ns: a thread's (asked where it runs when that is another node),
 * or the process's (its pid or 0); -1 if none. */
static int64_t time_cpu_clock_read(uint64_t clk)
{
    int32_t id;
    switch (cpu_clock_decode(clk, &id)) {
    case CPU_CLOCK_THREAD: {
        struct thread *t = id == 0 ? thread_current() : thread_find(id);
        uint64_t ns;
        if (t)
            return (int64_t)sched_thread_cpu_ns(t);
        return id > 0 && dsm_active() && dsm_threads_thread_cpu_ns(id, &ns) == 0 ? (int64_t)ns : -1;
    }
    case CPU_CLOCK_PROCESS: /* every node's threads */
        return id == 0 || id == THREAD_FIRST_TID ? (int64_t)dsm_threads_process_cpu_ns() : -1;
    default:
        return -1;
    }
}

/* The clock's value now in ns, or -1 for a clock we do not have. */
static int64_t time_clock_read(uint64_t clk)
{
    int32_t id;
    if (cpu_clock_decode(clk, &id) != CPU_CLOCK_NONE)
        return time_cpu_clock_read(clk);
    switch (clk) {
    case LINUX_CLOCK_REALTIME:
    case LINUX_CLOCK_REALTIME_COARSE:
        return (int64_t)time_realtime_ns();
    case LINUX_CLOCK_MONOTONIC:
    case LINUX_CLOCK_MONOTONIC_RAW:
    case LINUX_CLOCK_MONOTONIC_COARSE:
    case LINUX_CLOCK_BOOTTIME:
        return (int64_t)time_monotonic_ns();
    default:
        return -1;
    }
}

long sys_clock_gettime(uint64_t clk, uint64_t uts, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    int64_t ns = time_clock_read(clk);
    if (ns < 0)
        return -LINUX_EINVAL;
    struct linux_timespec ts = timespec_from_ns((uint64_t)ns);
    return copy_to_user(uts, &ts, sizeof ts);
}

long sys_clock_getres(uint64_t clk, uint64_t uts, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    if (time_clock_read(clk) < 0)
        return -LINUX_EINVAL;
    struct linux_timespec res = { 0, 1 };
    return uts ? copy_to_user(uts, &res, sizeof res) : 0;
}

long sys_gettimeofday(uint64_t utv, uint64_t utz, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    uint64_t ns = time_realtime_ns();
    if (utv) {
        struct linux_timeval tv = { (int64_t)(ns / TIME_NS_PER_SEC), (int64_t)(ns % TIME_NS_PER_SEC / TIME_NS_PER_US) };
        if (copy_to_user(utv, &tv, sizeof tv) != 0)
            return -LINUX_EFAULT;
    }
    if (utz) {
        uint32_t tz[2] = { 0, 0 }; /* struct timezone: UTC, no DST */
        if (copy_to_user(utz, tz, sizeof tz) != 0)
            return -LINUX_EFAULT;
    }
    return 0;
}

long sys_time(uint64_t utloc, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    int64_t secs = (int64_t)(time_realtime_ns() / TIME_NS_PER_SEC);
    if (utloc && copy_to_user(utloc, &secs, sizeof secs) != 0)
        return -LINUX_EFAULT;
    return secs;
}

long sys_nanosleep(uint64_t ureq, uint64_t urem, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    struct linux_timespec req;
    if (copy_from_user(&req, ureq, sizeof req) != 0)
        return -LINUX_EFAULT;
    if (!timespec_valid(&req))
        return -LINUX_EINVAL;
    uint64_t deadline = time_deadline_from_relative(&req);
    return time_sleep_until(deadline) ? 0 : time_sleep_interrupted(deadline, urem);
}

long sys_clock_nanosleep(uint64_t clk, uint64_t flags, uint64_t ureq, uint64_t urem, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    if (clk != LINUX_CLOCK_REALTIME && clk != LINUX_CLOCK_MONOTONIC && clk != LINUX_CLOCK_BOOTTIME)
        return -LINUX_EINVAL;
    if (flags & ~(uint64_t)LINUX_TIMER_ABSTIME)
        return -LINUX_EINVAL;
    struct linux_timespec req;
    if (copy_from_user(&req, ureq, sizeof req) != 0)
        return -LINUX_EFAULT;
    if (!timespec_valid(&req))
        return -LINUX_EINVAL;
    uint64_t deadline = (flags & LINUX_TIMER_ABSTIME)
                            ? time_deadline_from_absolute(&req, clk == LINUX_CLOCK_REALTIME)
                            : time_deadline_from_relative(&req);
    if (time_sleep_until(deadline))
        return 0;
    return (flags & LINUX_TIMER_ABSTIME) ? -LINUX_EINTR : time_sleep_interrupted(deadline, urem);
}
