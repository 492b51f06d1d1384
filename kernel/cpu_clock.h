/* SPDX-License-Identifier: MIT */
/* What a CPU-time clock id names: the process or one thread. Besides
 * CLOCK_PROCESS_CPUTIME_ID and CLOCK_THREAD_CPUTIME_ID, Linux has dynamic ids
 * (include/linux/posix-timers.h: MAKE_PROCESS_CPUCLOCK(pid, clock) = ~pid << 3 | clock,
 * with CPUCLOCK_PERTHREAD_MASK added for a thread; musl's clock_getcpuclockid and
 * pthread_getcpuclockid make them). Their PROF, VIRT and SCHED kinds all count the same
 * CPU time here (kernel time is not told apart from user time). */
#ifndef KERNEL_CPU_CLOCK_H
#define KERNEL_CPU_CLOCK_H

#include <stdint.h>

#include "kernel/linux_abi.h"

#define CPU_CLOCK_PERTHREAD 4u  /* CPUCLOCK_PERTHREAD_MASK */
#define CPU_CLOCK_WHICH_MASK 3u /* CPUCLOCK_CLOCK_MASK */
#define CPU_CLOCK_MAX 3u        /* CPUCLOCK_MAX: PROF 0, VIRT 1, SCHED 2 are the valid kinds */
#define CPU_CLOCK_ID_SHIFT 3

enum cpu_clock_kind {
    CPU_CLOCK_NONE,    /* not a CPU-time clock (or an invalid dynamic id) */
    CPU_CLOCK_PROCESS, /* *id: the pid named (0: the caller's process) */
    CPU_CLOCK_THREAD,  /* *id: the tid named (0: the calling thread) */
};

/* Classifies clock id clk, with the process or thread it names into *id. */
static inline enum cpu_clock_kind cpu_clock_decode(uint64_t clk, int32_t *id)
{
    *id = 0;
    if (clk == LINUX_CLOCK_PROCESS_CPUTIME_ID)
        return CPU_CLOCK_PROCESS;
    if (clk == LINUX_CLOCK_THREAD_CPUTIME_ID)
        return CPU_CLOCK_THREAD;
    int32_t dyn = (int32_t)clk; /* clockid_t is an int: Linux ignores the bits above */
    if (dyn >= 0 || ((uint32_t)dyn & CPU_CLOCK_WHICH_MASK) == CPU_CLOCK_MAX)
        return CPU_CLOCK_NONE;
    *id = ~(dyn >> CPU_CLOCK_ID_SHIFT); /* arithmetic shift: dyn is negative */
    return ((uint32_t)dyn & CPU_CLOCK_PERTHREAD) ? CPU_CLOCK_THREAD : CPU_CLOCK_PROCESS;
}

#endif
