/* SPDX-License-Identifier: MIT */
/* The round-robin scheduler of one node's CPU (DESIGN.md 3 and 5): a FIFO run queue,
 * preemption by a periodic tick when the running thread is in user mode, and an idle
 * that halts (cpu_wait_for_interrupt). No priorities, no affinity, no SMP. */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/thread.h"

#define SCHED_TICK_NS 10000000ull /* 10 ms time slice */

/* Starts the tick and runs the first READY thread; never returns. */
__attribute__((noreturn)) void sched_start(void);
/* Puts a READY thread at the tail of the run queue. */
void sched_enqueue(struct thread *t);
/* Takes a READY thread off the run queue (it stays READY but will not run until
 * enqueued again: migration, checkpoints); false if it was not queued. */
bool sched_remove(struct thread *t);
/* Gives up the CPU to the next READY thread, if any; the caller stays READY. */
void sched_yield(void);
/* Blocks the calling thread until sched_wake (or its wake_deadline_ns passes, which sets
 * wait_timed_out). Runs other threads or idles meanwhile. */
void sched_block(void);
/* Makes a BLOCKED thread READY; no effect on other states. */
void sched_wake(struct thread *t);
/* Logs the current thread, the run queue and every live thread's wait (state dumps). */
void sched_dump(void);
/* Switches away from a DEAD current thread for good. */
__attribute__((noreturn)) void sched_exit_current(void);
/* Thread switches and tick preemptions since boot (the exit summary). */
uint64_t sched_switch_count(void);
uint64_t sched_preempt_count(void);
/* Called by context_first_entry on a new thread's first run (frees a dead predecessor). */
void sched_thread_started(void);
/* Nanoseconds the CPU spent halted in the idle loop since boot (no thread READY). */
uint64_t sched_idle_ns(void);
/* How many times the CPU halted for want of a thread to run. */
uint64_t sched_halt_count(void);
/* CPU time of t (ns it ran, halts excluded, on this node and those it left), up to now if
 * it is the running thread. */
uint64_t sched_thread_cpu_ns(const struct thread *t);
/* Brings the running thread's CPU time up to now (a reader that needs it current: a
 * thread alone on the CPU is otherwise charged only when it stops); nothing while idle. */
void sched_charge_running(void);
/* CPU time of the program on this node: its live threads' plus its exited threads'. */
uint64_t sched_process_cpu_ns(void);
/* fn runs after an interrupt's work when the running thread returns to user mode from it
 * (its trap frame is the interrupt's): it may switch away, block, or end the thread here. */
void sched_set_user_return_hook(void (*fn)(void));

#endif
