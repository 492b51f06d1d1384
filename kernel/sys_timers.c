/* SPDX-License-Identifier: MIT */
/* The timer system calls whose timers live with the descriptor table (files_call ships a
 * call there from any node), on the program clock (kernel/time_conv.h):
 * - timerfd_create, timerfd_settime, timerfd_gettime (man 2 timerfd_create): timers read
 *   as descriptors (kernel/files_events.c), so a thread on any node reads, polls or waits
 *   in epoll for one like a pipe. Not done: TFD_IOC_SET_TICKS, and TFD_TIMER_CANCEL_ON_SET
 *   never cancels (the clock is never set).
 * - timer_create, timer_settime, timer_gettime, timer_getoverrun, timer_delete (man 2
 *   timer_create): POSIX timers (kernel/posix_timers.c). musl's SIGEV_THREAD timers are
 *   SIGEV_THREAD_ID ones aimed at a helper thread it starts, so they work as any. */
#include "kernel/cpu_clock.h"
#include "kernel/dsm_glue.h"
#include "kernel/files.h"
#include "kernel/linux_abi.h"
#include "kernel/posix_timers.h"
#include "kernel/syscall.h"
#include "kernel/thread.h"
#include "kernel/time_conv.h"
#include "kernel/usercopy.h"

#include <stddef.h>

#define TIMERFD_SET_FLAGS (LINUX_TFD_TIMER_ABSTIME | LINUX_TFD_TIMER_CANCEL_ON_SET)
/* The sigevent fields the kernel reads: up to sigev_tid (musl's struct ksigevent ends there). */
#define SYS_TIMER_EVENT_BYTES offsetof(struct posix_timer_event, reserved)

/* Runs c, a SET (its new setting at set) or a GET, and copies the setting it answers with
 * (the old one, or the current one) to uout when that is not 0. */
static long timers_call(struct files_call *c, const struct linux_itimerspec *set, uint64_t uout)
{
    struct linux_itimerspec out;
    if (set) {
        c->len = sizeof *set;
        c->in = (const uint8_t *)set;
    }
    size_t n;
    long rc = (long)files_call(c, &out, &n);
    if (rc == 0 && uout && copy_to_user(uout, &out, sizeof out) != 0)
        return -LINUX_EFAULT;
    return rc;
}

/* A new setting from user memory: 0, -EFAULT, or -EINVAL for a time out of range. */
static long timers_setting_from_user(uint64_t unew, struct linux_itimerspec *set)
{
    if (copy_from_user(set, unew, sizeof *set) != 0)
        return -LINUX_EFAULT;
    return timespec_valid(&set->it_value) && timespec_valid(&set->it_interval) ? 0 : -LINUX_EINVAL;
}

/* ---- timerfd ---- */

long sys_timerfd_create(uint64_t clock, uint64_t flags, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    struct files_call c = { .op = FILES_OP_TIMERFD_CREATE, .arg = (uint32_t)clock, .arg2 = (uint32_t)flags };
    size_t n;
    return (long)files_call(&c, NULL, &n);
}

long sys_timerfd_settime(uint64_t fd, uint64_t flags, uint64_t unew, uint64_t uold, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    struct linux_itimerspec set;
    long bad = timers_setting_from_user(unew, &set);
    if (bad)
        return bad;
    /* Linux checks the flags and the times before the descriptor */
    if ((uint32_t)flags & ~(uint32_t)TIMERFD_SET_FLAGS)
        return -LINUX_EINVAL;
    if ((uint32_t)fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    struct files_call c = { .op = FILES_OP_TIMERFD_SET, .fd = (int32_t)fd, .arg = (uint32_t)flags };
    return timers_call(&c, &set, uold);
}

long sys_timerfd_gettime(uint64_t fd, uint64_t ucur, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    if ((uint32_t)fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    struct files_call c = { .op = FILES_OP_TIMERFD_GET, .fd = (int32_t)fd };
    return timers_call(&c, NULL, ucur);
}

/* ---- POSIX timers ---- */

/* An id timer_create can have handed out (the ids past them are the kernel's own). */
static bool sys_timer_id_ok(uint64_t id)
{
    return id < POSIX_TIMERS_MAX;
}

static bool sys_timer_thread_exists(int32_t tid)
{
    return tid > 0 && (thread_find(tid) || (dsm_active() && dsm_threads_signal(tid, 0) == 0));
}

long sys_timer_create(uint64_t clock, uint64_t uevent, uint64_t uid, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    struct posix_timer_event ev = { 0 };
    if (uevent && copy_from_user(&ev, uevent, SYS_TIMER_EVENT_BYTES) != 0)
        return -LINUX_EFAULT;
    if (uevent && ev.notify == POSIX_TIMER_SIGEV_THREAD_ID && !sys_timer_thread_exists(ev.tid))
        return -LINUX_EINVAL; /* not a thread of the program */
    int32_t clock_tid;
    if (cpu_clock_decode(clock, &clock_tid) == CPU_CLOCK_THREAD && clock_tid && !sys_timer_thread_exists(clock_tid))
        return -LINUX_EINVAL; /* the CPU clock of no thread of the program */
    struct files_call c = { .op = FILES_OP_TIMER_CREATE, .arg = (uint32_t)clock, .arg2 = (uint32_t)thread_current()->tid,
                            .len = uevent ? sizeof ev : 0, .in = uevent ? (const uint8_t *)&ev : NULL };
    size_t n;
    long id = (long)files_call(&c, NULL, &n);
    if (id < 0)
        return id;
    int32_t out = (int32_t)id;
    if (copy_to_user(uid, &out, sizeof out) != 0) {
        struct files_call del = { .op = FILES_OP_TIMER_DELETE, .fd = out };
        files_call(&del, NULL, &n);
        return -LINUX_EFAULT;
    }
    return 0;
}

/* A setting or a deletion by the thread that took the timer's signal ends what it knows of
 * the overrun (a new setting starts it again at 0, as on Linux). */
static void sys_timer_forget(int32_t id)
{
    struct thread *t = thread_current();
    if (t->timer_taken && t->timer_taken_id == id)
        t->timer_taken = false;
}

long sys_timer_settime(uint64_t id, uint64_t flags, uint64_t unew, uint64_t uold, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    if (!sys_timer_id_ok(id))
        return -LINUX_EINVAL;
    sys_timer_forget((int32_t)id);
    struct linux_itimerspec set;
    long bad = timers_setting_from_user(unew, &set);
    if (bad)
        return bad;
    struct files_call c = { .op = FILES_OP_TIMER_SET, .fd = (int32_t)id, .arg = (uint32_t)flags,
                            .arg2 = (uint32_t)thread_current()->tid };
    return timers_call(&c, &set, uold);
}

long sys_timer_gettime(uint64_t id, uint64_t ucur, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    if (!sys_timer_id_ok(id))
        return -LINUX_EINVAL;
    struct files_call c = { .op = FILES_OP_TIMER_GET, .fd = (int32_t)id };
    return timers_call(&c, NULL, ucur);
}

/* Linux answers with the overrun of the timer's signal last delivered. The calling thread
 * knows it when it took that signal itself (the usual caller: its handler, or the thread
 * that waits for it); otherwise the table's count, of the signal last sent, stands in. */
long sys_timer_getoverrun(uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    if (!sys_timer_id_ok(id))
        return -LINUX_EINVAL;
    struct thread *t = thread_current();
    if (t->timer_taken && t->timer_taken_id == (int32_t)id)
        return t->timer_taken_overrun;
    struct files_call c = { .op = FILES_OP_TIMER_OVERRUN, .fd = (int32_t)id };
    size_t n;
    return (long)files_call(&c, NULL, &n);
}

long sys_timer_delete(uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    if (!sys_timer_id_ok(id))
        return -LINUX_EINVAL;
    sys_timer_forget((int32_t)id);
    struct files_call c = { .op = FILES_OP_TIMER_DELETE, .fd = (int32_t)id };
    size_t n;
    return (long)files_call(&c, NULL, &n);
}
