/* SPDX-License-Identifier: MIT */
/* futex(2): argument unpacking only; the queues are kernel/futex.c. */
#include "kernel/futex.h"
#include "kernel/syscall.h"

long sys_futex(uint64_t uaddr, uint64_t op, uint64_t val, uint64_t timeout, uint64_t uaddr2, uint64_t val3)
{
    return futex_syscall(uaddr, (int)op, (uint32_t)val, timeout, uaddr2, (uint32_t)val3);
}
