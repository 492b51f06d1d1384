/* SPDX-License-Identifier: MIT */
/* Memory syscalls (man 2 brk, mmap, munmap, mprotect, mremap, madvise): argument checks
 * that are about the ABI, then kernel/uvm.c. */
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/syscall.h"
#include "kernel/uvm.h"

long sys_brk(uint64_t addr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return uvm_brk(addr);
}

long sys_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd, uint64_t off)
{
    (void)fd;
    if (off & (PAGE_SIZE - 1)) /* the offset must be a multiple of the page size */
        return -LINUX_EINVAL;
    if (prot > UINT32_MAX || flags > UINT32_MAX)
        return -LINUX_EINVAL;
    return uvm_mmap(addr, len, (unsigned)prot, (unsigned)flags);
}

long sys_munmap(uint64_t addr, uint64_t len, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return uvm_munmap(addr, len);
}

long sys_mprotect(uint64_t addr, uint64_t len, uint64_t prot, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if (prot > LINUX_PROT_MASK)
        return -LINUX_EINVAL;
    return uvm_mprotect(addr, len, (unsigned)prot);
}

long sys_mremap(uint64_t old_addr, uint64_t old_len, uint64_t new_len, uint64_t flags, uint64_t new_addr, uint64_t a5)
{
    (void)a5;
    if (flags > UINT32_MAX)
        return -LINUX_EINVAL;
    return uvm_mremap(old_addr, old_len, new_len, (unsigned)flags, new_addr);
}

long sys_madvise(uint64_t addr, uint64_t len, uint64_t advice, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return uvm_madvise(addr, len, (int)advice);
}
