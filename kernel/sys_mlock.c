/* SPDX-License-Identifier: MIT */
/* msync, mlock, mlock2, munlock, mlockall, munlockall and mincore (man 2 msync, mlock,
 * mincore): their argument checks, then msync's write-back of shared file mappings
 * (kernel/shared_maps.h) and mincore's answer. The kernel never pages out or swaps, so
 * every mapped page is as locked as mlock would make it. */
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/shared_maps.h"
#include "kernel/syscall.h"
#include "kernel/usercopy.h"
#include "kernel/uvm.h"
#include "kernel/uvm_page.h"

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
    long r = uvm_range_check(addr, len);
    /* MS_ASYNC too: the write-back is quick, and doing it now keeps msync's promise */
    return r ? r : shared_maps_write_back(addr, addr + PAGE_ALIGN_UP(len));
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

#define MINCORE_CHUNK 256 /* vector bytes copied out at a time */

/* mincore(2): one byte per page of [addr, addr + len), bit 0 set when the page is in this
 * node's memory. Under the DSM a page whose only copies are on other nodes is not: reading
 * it would fault, as reading a paged-out page would on Linux. */
long sys_mincore(uint64_t addr, uint64_t len, uint64_t uvec, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    long rc = uvm_range_check(addr, len);
    if (rc)
        return rc;
    uint64_t pages = (len + PAGE_SIZE - 1) / PAGE_SIZE;
    uint8_t chunk[MINCORE_CHUNK];
    for (uint64_t done = 0; done < pages;) {
        uint64_t n = pages - done < MINCORE_CHUNK ? pages - done : MINCORE_CHUNK;
        for (uint64_t i = 0; i < n; i++)
            chunk[i] = uvm_page_present(addr + (done + i) * PAGE_SIZE, NULL) ? 1 : 0;
        if (copy_to_user(uvec + done, chunk, n) != 0)
            return -LINUX_EFAULT;
        done += n;
    }
    return 0;
}
