/* SPDX-License-Identifier: MIT */
/* The count of an interval timer (a timerfd, a POSIX timer, ITIMER_REAL): when it next
 * expires on the program clock, its period, and the expirations not yet taken. Portable:
 * the kernel timer that calls timer_count_expire is kernel/interval_timer.c's. */
#ifndef KERNEL_TIMER_COUNT_H
#define KERNEL_TIMER_COUNT_H

#include <stdbool.h>
#include <stdint.h>

struct timer_count {
    uint64_t next_ns;     /* program clock of the next expiry; 0: disarmed */
    uint64_t interval_ns; /* the period after it; 0: it expires once */
    uint64_t ticks;       /* expirations since the last read or setting */
    uint64_t changes;     /* how many times ticks went up (epoll's edges) */
};

/* Arms t to expire at first_ns (0 disarms it; any time already past expires at the next
 * check) and then every interval_ns (0: once). Expirations not yet read are dropped, as
 * timerfd_settime and timer_settime drop them. */
void timer_count_set(struct timer_count *t, uint64_t first_ns, uint64_t interval_ns);
/* Counts the expirations due at now_ns (a periodic timer late by several periods counts
 * each, as Linux's overrun does) and moves next_ns past now_ns; returns how many. */
uint64_t timer_count_expire(struct timer_count *t, uint64_t now_ns);
/* Time to the next expiry: 0 when disarmed, else at least 1 (an expiry due and not yet
 * counted is 1 ns away, as Linux never reports a running timer as 0). */
uint64_t timer_count_remaining(const struct timer_count *t, uint64_t now_ns);
/* The expirations counted, which start again from 0 (a timerfd's read); false when there
 * are none. */
bool timer_count_take(struct timer_count *t, uint64_t *ticks);

#endif
