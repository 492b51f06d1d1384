/* SPDX-License-Identifier: MIT */
/* One-shot timers on the kernel clock (kernel/clock.h), driven by the LAPIC timer in
 * one-shot mode, programmed for the earliest deadline. Callbacks run from the timer
 * interrupt (IF=0, to completion, never block) or from timer_run_expired() in busy-poll
 * loops, in deadline order. No timer wheels: the pending list is sorted, O(n) insert. */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct timer;
typedef void (*timer_fn)(struct timer *t, void *arg);

/* Owned by the caller, which must keep it alive while armed; zero-initialised = idle.
 * All fields are private to kernel/timer.c. */
struct timer {
    uint64_t deadline_ns; /* clock_now_ns() value at which fn runs */
    timer_fn fn;
    void *arg;
    struct timer *next;   /* pending list, sorted by deadline, ties in arming order */
    bool armed;
};

/* Measures the LAPIC timer against the TSC and takes over its interrupt. After clock_init. */
void timer_init(void);
/* Arms (or re-arms) t to run fn(t, arg) once at deadline_ns; a past deadline runs at the
 * next expiry check. fn may re-arm t. */
void timer_arm(struct timer *t, uint64_t deadline_ns, timer_fn fn, void *arg);
/* Disarms t; returns true if it was pending. Safe on an idle timer. */
bool timer_cancel(struct timer *t);
/* True while t is pending. */
bool timer_pending(const struct timer *t);
/* Runs every timer whose deadline has passed, then reprograms the hardware; returns how
 * many ran. For busy-poll loops; the interrupt calls it too. */
unsigned timer_run_expired(void);
/* Calls fn every period_ns from the timer interrupt (the scheduler's preemption tick);
 * period_ns 0 or fn NULL stops it. */
void timer_set_tick(uint64_t period_ns, void (*fn)(void));
/* How many times the LAPIC timer has been reprogrammed since boot. */
uint64_t timer_hw_write_count(void);
/* Logs the pending timers, what the hardware is set for, and the LAPIC's state (dumps). */
void timer_dump(void);
/* The earliest pending deadline, or UINT64_MAX if none. */
uint64_t timer_next_deadline(void);

#endif
