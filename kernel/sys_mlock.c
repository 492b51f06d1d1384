/* SPDX-License-Identifier: MIT */
/* msync, mlock, mlock2, munlock, mlockall and munlockall (man 2 msync, mlock): their
 * argument checks, then nothing to do. The kernel never pages out or swaps, so every
 * mapped page is as locked as mlock would make it; and no mapping writes through to a
 * file (sys_mm.c: a writable MAP_SHARED file mapping is refused), so msync has nothing to
 * write back. */
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/syscall.h"
#include "kernel/uvm.h"

/* include/uapi/asm-generic/mman-common.h and mman.h */
#define MSYNC_ASYNC 1
#define MSYNC_INVALIDATE 2
#define MSYNC_SYNC 4
#define MLOCK_ONFAULT 1
#define MLOCKALL_CURRENT 1
#define MLOCKALL_FUTURE 2
#define MLOCKALL_ONFAULT 4

long sys_msync(uint64_t addr, uint64_t len, uint64_t flags, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if ((flags & ~(uint64_t)(MSYNC_ASYNC | MSYNC_INVALIDATE | MSYNC_SYNC)) ||
        ((flags & MSYNC_ASYNC) && (flags & MSYNC_SYNC)))
        return -LINUX_EINVAL;
    return uvm_range_check(addr, len);
}

/* mlock's range: from the page holding addr (mlock rounds down, unlike msync). */
static long mlock_check(uint64_t addr, uint64_t len)
{
    uint64_t start = addr & ~(uint64_t)(PAGE_SIZE - 1);
    if (len > UINT64_MAX - (addr - start))
        return -LINUX_ENOMEM;
    return uvm_range_check(start, len + (addr - start)) ? -LINUX_ENOMEM : 0;
}

long sys_mlock(uint64_t addr, uint64_t len, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return mlock_check(addr, len);
}

long sys_mlock2(uint64_t addr, uint64_t len, uint64_t flags, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if (flags & ~(uint64_t)MLOCK_ONFAULT)
        return -LINUX_EINVAL;
    return mlock_check(addr, len);
}

long sys_munlock(uint64_t addr, uint64_t len, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return mlock_check(addr, len);
}

long sys_mlockall(uint64_t flags, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    if (!(flags & (MLOCKALL_CURRENT | MLOCKALL_FUTURE)) ||
        (flags & ~(uint64_t)(MLOCKALL_CURRENT | MLOCKALL_FUTURE | MLOCKALL_ONFAULT)))
        return -LINUX_EINVAL;
    return 0;
}

long sys_munlockall(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return 0;
}
