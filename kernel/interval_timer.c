/* SPDX-License-Identifier: MIT */
/* Interval timers on the program clock (see interval_timer.h). */
#include "kernel/interval_timer.h"

#include "kernel/time_conv.h"

long interval_timer_clock_check(uint64_t clock)
{
    if (clock == LINUX_CLOCK_REALTIME_ALARM || clock == LINUX_CLOCK_BOOTTIME_ALARM)
        return -LINUX_EPERM;
    if (clock != LINUX_CLOCK_REALTIME && clock != LINUX_CLOCK_MONOTONIC && clock != LINUX_CLOCK_BOOTTIME)
        return -LINUX_EINVAL;
    return 0;
}

void interval_timer_init(struct interval_timer *it, uint64_t clock, interval_timer_fn expired, void *owner)
{
    *it = (struct interval_timer){ .realtime = clock == LINUX_CLOCK_REALTIME, .expired = expired, .owner = owner };
}

static void interval_timer_fired(struct timer *t, void *arg);

/* Arms the kernel timer for the next expiry, or stops it. */
static void interval_timer_arm(struct interval_timer *it)
{
    if (it->count.next_ns)
        timer_arm(&it->hw, time_local_from_program(it->count.next_ns), interval_timer_fired, it);
    else
        timer_cancel(&it->hw);
}

static void interval_timer_fired(struct timer *t, void *arg)
{
    (void)t;
    struct interval_timer *it = arg;
    uint64_t n = timer_count_expire(&it->count, time_program_ns());
    interval_timer_arm(it); /* before expired, which may set the timer again */
    if (n)
        it->expired(it, n);
}

struct linux_itimerspec interval_timer_get(const struct interval_timer *it)
{
    return (struct linux_itimerspec){ timespec_from_ns(it->count.interval_ns),
                                      timespec_from_ns(timer_count_remaining(&it->count, time_program_ns())) };
}

long interval_timer_set(struct interval_timer *it, const struct linux_itimerspec *set, bool absolute,
                        struct linux_itimerspec *old)
{
    if (!timespec_valid(&set->it_value) || !timespec_valid(&set->it_interval))
        return -LINUX_EINVAL;
    *old = interval_timer_get(it);
    uint64_t value = timespec_to_ns(&set->it_value), first = value;
    if (value && !absolute)
        first = time_program_after(value);
    else if (value && it->realtime)
        first = value > time_realtime_epoch_ns() ? value - time_realtime_epoch_ns() : 0;
    if (value && !first)
        first = 1; /* a time before the clock's start: already past, so due now */
    timer_count_set(&it->count, first, timespec_to_ns(&set->it_interval));
    interval_timer_arm(it);
    return 0;
}

void interval_timer_stop(struct interval_timer *it)
{
    timer_count_set(&it->count, 0, 0);
    timer_cancel(&it->hw);
}
