/* SPDX-License-Identifier: MIT */
/* Checked copies between kernel and user memory over arch/usercopy.h's faultable loop.
 * The copy runs with interrupts off, so nothing can unmap a page between the fault
 * handler materialising it and the retried instruction. */
#include "kernel/usercopy.h"

#include <arch/usercopy.h>

#include "kernel/dsm_update.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/uvm.h"

static uint64_t usercopy_faults_fixed; /* copies that ended in -EFAULT */

uint64_t usercopy_efault_count(void)
{
    return usercopy_faults_fixed;
}

bool user_range_ok(uint64_t addr, uint64_t len)
{
    return addr < USER_ACCESS_LIMIT && len <= USER_ACCESS_LIMIT - addr;
}

static int usercopy(void *dst, const void *src, size_t n)
{
    usercopy_smap_open();
    size_t left = usercopy_raw(dst, src, n);
    usercopy_smap_close();
    return left ? -LINUX_EFAULT : 0;
}

int copy_from_user(void *dst, uint64_t src, size_t n)
{
    if (!user_range_ok(src, n))
        return -LINUX_EFAULT;
    return usercopy(dst, (const void *)(uintptr_t)src, n);
}

int copy_to_user(uint64_t dst, const void *src, size_t n)
{
    if (!user_range_ok(dst, n))
        return -LINUX_EFAULT;
    /* Page by page: bytes for a write-update page must reach every copy through its
     * sequencer (kernel/dsm_update.h); the others are plain stores. */
    const uint8_t *from = src;
    while (n) {
        size_t chunk = PAGE_SIZE - (size_t)(dst & (PAGE_SIZE - 1));
        if (chunk > n)
            chunk = n;
        int rc = dsm_update_page(dst >> PAGE_SHIFT) ? dsm_update_kernel_write(dst, from, chunk)
                                                    : usercopy((void *)(uintptr_t)dst, from, chunk);
        if (rc)
            return rc;
        dst += chunk;
        from += chunk;
        n -= chunk;
    }
    return 0;
}

int user_cmpxchg32(uint64_t uaddr, uint32_t expected, uint32_t desired, uint32_t *found)
{
    if ((uaddr & (sizeof(uint32_t) - 1)) || !user_range_ok(uaddr, sizeof(uint32_t)))
        return -LINUX_EFAULT;
    if (dsm_update_page(uaddr >> PAGE_SHIFT))
        return -LINUX_EINVAL;
    usercopy_smap_open();
    size_t failed = usercopy_cmpxchg32_raw((uint32_t *)(uintptr_t)uaddr, expected, desired, found);
    usercopy_smap_close();
    return failed ? -LINUX_EFAULT : 0;
}

long copy_string_from_user(char *dst, uint64_t src, size_t max)
{
    for (size_t i = 0; i < max; i++) {
        if (copy_from_user(&dst[i], src + i, 1) != 0)
            return -LINUX_EFAULT;
        if (dst[i] == '\0')
            return (long)i;
    }
    return -LINUX_ENAMETOOLONG;
}

bool usercopy_handle_kernel_fault(struct trap_frame *frame, uint64_t addr)
{
    uintptr_t rip = frame->rip;
    if (rip < (uintptr_t)usercopy_fault_start || rip >= (uintptr_t)usercopy_fault_end)
        return false;
    if (addr >= USER_SPACE_END)
        return false; /* the kernel side of the copy faulted: a kernel bug, reported as such */
    bool write = (frame->error_code & PF_ERR_WRITE) != 0;
    if (uvm_handle_fault(addr, write ? UVM_ACCESS_WRITE : UVM_ACCESS_READ) == UVM_FAULT_RESOLVED)
        return true; /* retry the same byte */
    usercopy_faults_fixed++;
    frame->rip = (uintptr_t)usercopy_fault_fixup;
    return true;
}
