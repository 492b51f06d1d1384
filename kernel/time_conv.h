/* SPDX-License-Identifier: MIT */
/* Conversions between Linux timespecs and the kernel clock (kernel/clock.h), and sleeping
 * until a deadline. CLOCK_REALTIME is the monotonic clock plus an epoch offset: node 0 reads
 * the PC's real-time clock at boot (arch/rtc.h, whole seconds) and gives its epoch to every
 * other node with their clock offsets, so all nodes agree on the date, and a thread that
 * moves sees no step. Without an RTC the dates start at a plausible fixed one.
 * The program clock: a program that spans nodes sees one clock, node 0's. Each other node
 * counts it as its own clock minus the offset measured when the program started
 * (kernel/dsm_clock.c, within half a probe's round trip), so a time one thread reads and
 * hands to a thread on another node is never later than what that thread reads next. A
 * thread's readings never go back either, wherever it moves: each is at least the thread's
 * last one (thread.clock_seen_ns). Deadlines given to the kernel are on the local clock
 * (clock_now_ns); an absolute time from the program is converted here. */
#ifndef KERNEL_TIME_CONV_H
#define KERNEL_TIME_CONV_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/linux_abi.h"

/* CLOCK_REALTIME at program clock 0 while no RTC was read: 2023-11-14T22:13:20Z. */
#define TIME_REALTIME_FALLBACK_EPOCH_NS (1700000000ull * 1000000000ull)

/* tv_sec >= 0 and 0 <= tv_nsec < 1e9. */
bool timespec_valid(const struct linux_timespec *ts);
/* Nanoseconds in ts, saturating at UINT64_MAX. */
uint64_t timespec_to_ns(const struct linux_timespec *ts);
/* The timespec of ns nanoseconds. */
struct linux_timespec timespec_from_ns(uint64_t ns);
/* Sets this node's clock minus node 0's (kernel/dsm_clock.c, before the program runs here). */
void time_set_node_offset(int64_t offset_ns);
/* The program clock now (node 0's clock, this node's estimate of it). */
uint64_t time_program_ns(void);
/* The program clock ns from now, saturating (a timer set centuries ahead never fires). */
uint64_t time_program_after(uint64_t ns);
/* CLOCK_MONOTONIC as the calling thread sees it: the program clock, at least its last
 * reading (which it becomes). Outside a thread, the program clock alone. */
uint64_t time_monotonic_ns(void);
/* Reads the RTC and sets the epoch from it (at boot, after clock_init); false if it gave
 * nothing usable (the fallback epoch stays). */
bool time_init_wall_clock(void);
/* CLOCK_REALTIME minus the program clock, in ns. */
uint64_t time_realtime_epoch_ns(void);
/* Sets it: node 0's, which kernel/dsm_clock.c hands to the other nodes. */
void time_set_realtime_epoch(uint64_t epoch_ns);
/* CLOCK_REALTIME now, in ns since the Unix epoch: time_monotonic_ns plus the epoch. */
uint64_t time_realtime_ns(void);
/* The local clock's (clock_now_ns) value when the program clock reads program_ns. */
uint64_t time_local_from_program(uint64_t program_ns);
/* Monotonic deadline for "ts from now" (saturating). */
uint64_t time_deadline_from_relative(const struct linux_timespec *ts);
/* Local deadline for absolute ts on the program's CLOCK_REALTIME (realtime) or CLOCK_MONOTONIC. */
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
