/* SPDX-License-Identifier: MIT */
/* Conversions between Linux timespecs and the kernel clock (kernel/clock.h), and sleeping
 * until a deadline. CLOCK_REALTIME is the monotonic clock plus a fixed epoch offset: the
 * node has no wall clock (no RTC driver), so dates are plausible, not true. */
#ifndef KERNEL_TIME_CONV_H
#define KERNEL_TIME_CONV_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/linux_abi.h"

#define TIME_REALTIME_EPOCH_NS (1700000000ull * 1000000000ull) /* 2023-11-14T22:13:20Z */

/* tv_sec >= 0 and 0 <= tv_nsec < 1e9. */
bool timespec_valid(const struct linux_timespec *ts);
/* Nanoseconds in ts, saturating at UINT64_MAX. */
uint64_t timespec_to_ns(const struct linux_timespec *ts);
/* The timespec of ns nanoseconds. */
struct linux_timespec timespec_from_ns(uint64_t ns);
/* CLOCK_REALTIME now, in ns since the Unix epoch. */
uint64_t time_realtime_ns(void);
/* Monotonic deadline for "ts from now" (saturating). */
uint64_t time_deadline_from_relative(const struct linux_timespec *ts);
/* Monotonic deadline for absolute ts on CLOCK_REALTIME (realtime) or CLOCK_MONOTONIC. */
uint64_t time_deadline_from_absolute(const struct linux_timespec *ts, bool realtime);
/* Reads the timespec at user address uts into *ts: 0, -EFAULT, or -EINVAL for one out of range. */
long time_timespec_from_user(uint64_t uts, struct linux_timespec *ts);
/* Reads the timespec at user address uts and sets *deadline to it as a monotonic deadline
 * (absolute on CLOCK_REALTIME or CLOCK_MONOTONIC, else relative to now). 0, -EFAULT, or
 * -EINVAL for a timespec out of range. */
long time_deadline_from_user(uint64_t uts, bool absolute, bool realtime, uint64_t *deadline);
/* Blocks the calling thread until clock_now_ns() >= deadline; false if a signal for it
 * ended the sleep first (kernel/sys_signal.c). */
bool time_sleep_until(uint64_t deadline);

#endif
