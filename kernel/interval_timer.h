/* SPDX-License-Identifier: MIT */
/* An interval timer on the program clock (kernel/time_conv.h): its count
 * (kernel/timer_count.h) and the kernel timer that fires at its next expiry, with the
 * setting and reading that timerfd_settime, timer_settime and setitimer share. A timerfd
 * (kernel/files_events.c) and a POSIX timer or ITIMER_REAL (kernel/posix_timers.c) each
 * hold one, on the node with the descriptor table. */
#ifndef KERNEL_INTERVAL_TIMER_H
#define KERNEL_INTERVAL_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/linux_abi.h"
#include "kernel/timer.h"
#include "kernel/timer_count.h"

struct interval_timer;
/* From the timer interrupt (or a poll loop's expiry check): expirations newly counted
 * (at least one, also added to count.ticks). */
typedef void (*interval_timer_fn)(struct interval_timer *it, uint64_t expirations);

struct interval_timer {
    struct timer_count count;
    struct timer hw;         /* armed for count.next_ns while that is set */
    bool realtime;           /* on CLOCK_REALTIME: absolute times count from the epoch */
    interval_timer_fn expired;
    void *owner;             /* the description or timer around it, for expired */
};

/* 0 for a clock these timers count on (REALTIME, MONOTONIC, BOOTTIME), -EPERM for the
 * alarm clocks (they need CAP_WAKE_ALARM), -EINVAL for the others. */
long interval_timer_clock_check(uint64_t clock);
/* A disarmed timer on clock (checked), calling expired(it, n) with owner set. */
void interval_timer_init(struct interval_timer *it, uint64_t clock, interval_timer_fn expired, void *owner);
/* Its setting: the period and the time to the next expiry (0 when disarmed). */
struct linux_itimerspec interval_timer_get(const struct interval_timer *it);
/* Replaces the setting with set (absolute: it_value is a time on the timer's clock, else
 * from now; 0 disarms), dropping expirations not yet taken; the setting before into *old.
 * -EINVAL for a timespec out of range (nothing changed). */
long interval_timer_set(struct interval_timer *it, const struct linux_itimerspec *set, bool absolute,
                        struct linux_itimerspec *old);
/* Disarms it for good (its owner goes). */
void interval_timer_stop(struct interval_timer *it);

#endif
