/* SPDX-License-Identifier: MIT */
/* Memory syscalls (man 2 brk, mmap, munmap, mprotect, mremap, madvise): argument checks
 * that are about the ABI, then kernel/uvm.c. */
#include "kernel/dsm_glue.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/syscall.h"
#include "kernel/uvm.h"

long sys_brk(uint64_t addr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    if (dsm_active()) /* nodes>1: node 0 decides, every node applies (kernel/dsm_control.c) */
        return dsm_control_mm(DSM_MM_BRK, addr, 0, 0, 0);
    return uvm_brk(addr);
}

long sys_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd, uint64_t off)
{
    (void)fd;
    if (off & (PAGE_SIZE - 1)) /* the offset must be a multiple of the page size */
        return -LINUX_EINVAL;
    if (prot > UINT32_MAX || flags > UINT32_MAX)
        return -LINUX_EINVAL;
    if (dsm_active())
        return dsm_control_mm(DSM_MM_MMAP, addr, len, prot, flags);
    return uvm_mmap(addr, len, (unsigned)prot, (unsigned)flags);
}

long sys_munmap(uint64_t addr, uint64_t len, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    if (dsm_active())
        return dsm_control_mm(DSM_MM_MUNMAP, addr, len, 0, 0);
    return uvm_munmap(addr, len);
}

long sys_mprotect(uint64_t addr, uint64_t len, uint64_t prot, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if (prot > LINUX_PROT_MASK)
        return -LINUX_EINVAL;
    if (dsm_active())
        return dsm_control_mm(DSM_MM_MPROTECT, addr, len, prot, 0);
    return uvm_mprotect(addr, len, (unsigned)prot);
}

long sys_mremap(uint64_t old_addr, uint64_t old_len, uint64_t new_len, uint64_t flags, uint64_t new_addr, uint64_t a5)
{
    (void)a5;
    if (flags > UINT32_MAX)
        return -LINUX_EINVAL;
    if (dsm_active()) /* pages cannot move between addresses in the core: callers fall back */
        return -LINUX_ENOMEM;
    return uvm_mremap(old_addr, old_len, new_len, (unsigned)flags, new_addr);
}

long sys_madvise(uint64_t addr, uint64_t len, uint64_t advice, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if (dsm_active()) /* a hint: dropping a page here only would desert the core's copy */
        return 0;
    return uvm_madvise(addr, len, (int)advice);
}
