/* SPDX-License-Identifier: MIT */
/* timerfd_create, timerfd_settime and timerfd_gettime (man 2 timerfd_create): timers read
 * as file descriptors. The timer lives with the descriptor table (kernel/files_events.c),
 * so a thread on any node reads, polls or waits in epoll for it like a pipe; times are on
 * the program clock (kernel/time_conv.h). Not done: TFD_IOC_SET_TICKS, and
 * TFD_TIMER_CANCEL_ON_SET never cancels (the clock is never set). */
#include "kernel/files.h"
#include "kernel/linux_abi.h"
#include "kernel/syscall.h"
#include "kernel/time_conv.h"
#include "kernel/usercopy.h"

#define TIMERFD_SET_FLAGS (LINUX_TFD_TIMER_ABSTIME | LINUX_TFD_TIMER_CANCEL_ON_SET)

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
    struct linux_itimerspec set, old;
    if (copy_from_user(&set, unew, sizeof set) != 0)
        return -LINUX_EFAULT;
    /* Linux checks the flags and the times before the descriptor */
    if (((uint32_t)flags & ~(uint32_t)TIMERFD_SET_FLAGS) || !timespec_valid(&set.it_value) ||
        !timespec_valid(&set.it_interval))
        return -LINUX_EINVAL;
    if ((uint32_t)fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    struct files_call c = { .op = FILES_OP_TIMERFD_SET, .fd = (int32_t)fd, .arg = (uint32_t)flags,
                            .len = sizeof set, .in = (const uint8_t *)&set };
    size_t n;
    long rc = (long)files_call(&c, &old, &n);
    if (rc == 0 && uold && copy_to_user(uold, &old, sizeof old) != 0)
        return -LINUX_EFAULT;
    return rc;
}

long sys_timerfd_gettime(uint64_t fd, uint64_t ucur, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    if ((uint32_t)fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    struct linux_itimerspec cur;
    struct files_call c = { .op = FILES_OP_TIMERFD_GET, .fd = (int32_t)fd };
    size_t n;
    long rc = (long)files_call(&c, &cur, &n);
    if (rc == 0 && copy_to_user(ucur, &cur, sizeof cur) != 0)
        return -LINUX_EFAULT;
    return rc;
}
