/* SPDX-License-Identifier: MIT */
/* POSIX per-process timers (man 2 timer_create): the program's table of them, kept with
 * the descriptor table on node 0 (kernel/files.c runs their calls, shipped there from
 * other nodes like file calls: kernel/dsm_files.c). Each timer counts on the program clock
 * (kernel/interval_timer.h, kernel/time_conv.h), or on a CPU-time clock of the process or
 * of one thread, whose time every node reports while such a timer is armed
 * (kernel/cpu_watch.h), and at expiry sends its signal, with si_code SI_TIMER, to its
 * thread wherever it runs (dsm_threads_signal_timer). */
#ifndef KERNEL_POSIX_TIMERS_H
#define KERNEL_POSIX_TIMERS_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/files.h"

#define POSIX_TIMERS_MAX 64 /* timers at once; Linux's limit is RLIMIT_SIGPENDING */
/* The id of the program's ITIMER_REAL in FILES_OP_TIMER_SET and _GET calls (setitimer,
 * getitimer, alarm: kernel/sys_itimer.c): one more timer of the table, past the ids
 * timer_create hands out, whose SIGALRM (SI_KERNEL) goes to the thread that set it last. */
#define POSIX_TIMER_ITIMER_REAL POSIX_TIMERS_MAX
/* ITIMER_VIRTUAL's and ITIMER_PROF's: on the process's CPU time (user and system time are
 * not told apart here, so both count all of it), SIGVTALRM and SIGPROF (SI_KERNEL) to the
 * thread whose time made it expire (Linux signals the thread running at that tick). */
#define POSIX_TIMER_ITIMER_VIRTUAL (POSIX_TIMERS_MAX + 1)
#define POSIX_TIMER_ITIMER_PROF (POSIX_TIMERS_MAX + 2)

/* struct sigevent as the kernel reads it (include/uapi/asm-generic/siginfo.h): the fields
 * before the padding, which musl's ksigevent also stops at. */
struct posix_timer_event {
    uint64_t value;     /* sigev_value */
    int32_t signo;
    int32_t notify;     /* SIGEV_SIGNAL, SIGEV_NONE or SIGEV_THREAD_ID */
    int32_t tid;        /* SIGEV_THREAD_ID's thread */
    uint32_t reserved;  /* 0 */
};
#define POSIX_TIMER_SIGEV_SIGNAL 0
#define POSIX_TIMER_SIGEV_NONE 1
#define POSIX_TIMER_SIGEV_THREAD_ID 4

/* Runs one of the FILES_OP_TIMER_* calls (kernel/files.h) on the table: the result, with
 * an old or current setting (struct linux_itimerspec) into data for SET and GET. */
int64_t posix_timers_call(const struct files_call *c, void *data, size_t *data_len);
/* Thread tid used ns of CPU time (tid 0: a thread no longer known by its tid, which
 * counts for the process only): the CPU timers it concerns count it and may expire. */
void posix_timers_cpu_used(int32_t tid, uint64_t ns);

#endif
