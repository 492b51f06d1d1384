/* SPDX-License-Identifier: MIT */
/* CPU time told to the CPU timers (ITIMER_VIRTUAL, ITIMER_PROF, and POSIX timers on the
 * CPU-time clocks: kernel/posix_timers.c), which node 0 keeps with the other timers. A
 * program's threads run on every node, so while any CPU timer is armed node 0 has every
 * node watch: each counts its threads' CPU time as the scheduler charges it and, every
 * CPU_WATCH_FLUSH_NS, sends node 0 what each thread used since (DSM_TYPE_CPU_USED; node
 * 0 hands its own to the timers directly). A timer therefore expires up to one flush
 * period, plus a message's trip, after its CPU time was used. The time a thread used just
 * before it exited or moved to another node still counts for the process clock, not for
 * timers on its own clock. With no timer armed nothing is counted or sent. */
#ifndef KERNEL_CPU_WATCH_H
#define KERNEL_CPU_WATCH_H

#include <stdbool.h>
#include <stdint.h>

struct thread;

/* The scheduler charged ns of CPU time to t (the running thread): counted if watching. */
void cpu_watch_charge(struct thread *t, uint64_t ns);
/* t is leaving this node (exit or move): what it used and did not report yet is kept for
 * the process clock. */
void cpu_watch_exited(const struct thread *t);
/* Node 0: turns every node's watch on (a CPU timer is armed) or off (none is). */
void cpu_watch_set(bool on);
/* Registers the watch and report messages (DSM builds: kernel/dsm_threads.c calls it). */
void cpu_watch_init(void);

#endif
