/* SPDX-License-Identifier: MIT */
/* Memory syscalls (man 2 brk, mmap, munmap, mprotect, mremap, madvise): argument checks
 * that are about the ABI, then kernel/uvm.c. A file mapping is anonymous memory filled with
 * the file's bytes at mmap time (what lies past its end reads as zeros, not SIGBUS). A
 * MAP_SHARED one is marked and recorded, and kept coherent with the file
 * (kernel/shared_maps.h says how, and how that differs from Linux). */
#include "kernel/dsm_glue.h"
#include "kernel/file_devices.h"
#include "kernel/files.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/shared_maps.h"
#include "kernel/syscall.h"
#include "kernel/uvm.h"

long sys_brk(uint64_t addr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    if (dsm_active()) /* nodes>1: node 0 decides, every node applies (kernel/dsm_control.c) */
        return dsm_control_mm(DSM_MM_BRK, addr, 0, 0, 0);
    return uvm_brk(addr);
}

static long mm_map_anonymous(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags)
{
    if (dsm_active())
        return dsm_control_mm(DSM_MM_MMAP, addr, len, prot, flags);
    return uvm_mmap(addr, len, (unsigned)prot, (unsigned)flags);
}

/* Returned by mm_file_mode for /dev/zero: outside the errno range and the access modes. */
#define MM_DEV_ZERO (1l << 32)

/* fd's access mode (O_RDONLY, O_RDWR) if it is a regular file open for reading, MM_DEV_ZERO
 * for /dev/zero; else the mmap error (EBADF, EACCES, ENODEV). */
static long mm_file_mode(uint64_t fd)
{
    struct linux_stat st;
    int64_t r = files_fstat(fd, &st);
    if (r < 0)
        return (long)r;
    if ((st.st_mode & LINUX_S_IFMT) == LINUX_S_IFCHR && st.st_rdev == file_device_zero_number())
        return MM_DEV_ZERO;
    if ((st.st_mode & LINUX_S_IFMT) != LINUX_S_IFREG)
        return -LINUX_ENODEV; /* a pipe, a terminal, another device cannot be mapped */
    struct files_call c = { .op = FILES_OP_FCNTL, .fd = (int32_t)fd, .arg = LINUX_F_GETFL };
    size_t n;
    r = files_call(&c, NULL, &n);
    if (r < 0)
        return (long)r;
    return (r & LINUX_O_ACCMODE) == LINUX_O_WRONLY ? -LINUX_EACCES : (long)(r & LINUX_O_ACCMODE);
}

static long mm_map_file(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd, uint64_t off)
{
    long mode = mm_file_mode(fd);
    if (mode < 0)
        return mode;
    if (mode == MM_DEV_ZERO) /* zeros, private or shared among the threads: anonymous memory */
        return mm_map_anonymous(addr, len, prot, flags | LINUX_MAP_ANONYMOUS);
    bool shared = (flags & LINUX_MAP_TYPE) != LINUX_MAP_PRIVATE, shared_write = shared && (prot & LINUX_PROT_WRITE);
    if (shared_write && mode != LINUX_O_RDWR)
        return -LINUX_EACCES; /* its stores could not reach the file */
    uint64_t private = (flags & ~(uint64_t)LINUX_MAP_TYPE) | LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS;
    unsigned mark = shared ? UVM_PROT_SHARED_FILE : 0;
    long base = mm_map_anonymous(addr, len, LINUX_PROT_READ | LINUX_PROT_WRITE | mark, private);
    if (base < 0)
        return base;
    long got = sys_pread64(fd, (uint64_t)base, len, off, 0, 0);
    if (got >= 0 && shared)
        got = shared_maps_attach((uint64_t)base, PAGE_ALIGN_UP(len), fd, off, shared_write);
    if (got >= 0 && prot != (LINUX_PROT_READ | LINUX_PROT_WRITE))
        got = sys_mprotect((uint64_t)base, len, prot, 0, 0, 0);
    if (got < 0) {
        sys_munmap((uint64_t)base, len, 0, 0, 0, 0);
        return got;
    }
    return base;
}

/* Before [addr, addr + len) is unmapped or mapped over: the shared file mappings there
 * write back and are forgotten (kernel/shared_maps.h). 0 or -errno; a range munmap or mmap
 * will refuse is left to them. */
static long mm_detach_shared_files(uint64_t addr, uint64_t len)
{
    if ((addr & (PAGE_SIZE - 1)) || addr >= UVM_USER_END || len > UVM_USER_END - addr)
        return 0;
    return shared_maps_detach(addr, addr + PAGE_ALIGN_UP(len));
}

long sys_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd, uint64_t off)
{
    if (off & (PAGE_SIZE - 1)) /* the offset must be a multiple of the page size */
        return -LINUX_EINVAL;
    if (prot > UINT32_MAX || flags > UINT32_MAX || (prot & UVM_PROT_SHARED_FILE))
        return -LINUX_EINVAL;
    if ((flags & (LINUX_MAP_FIXED | LINUX_MAP_FIXED_NOREPLACE)) == LINUX_MAP_FIXED && len) {
        long r = mm_detach_shared_files(addr, len); /* the new mapping replaces them */
        if (r < 0)
            return r;
    }
    if (!(flags & LINUX_MAP_ANONYMOUS) && len && (flags & LINUX_MAP_TYPE) != 0)
        return mm_map_file(addr, len, prot, flags, fd, off);
    return mm_map_anonymous(addr, len, prot, flags);
}

long sys_munmap(uint64_t addr, uint64_t len, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    long r = mm_detach_shared_files(addr, len);
    if (r < 0)
        return r;
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

/* mremap(2) across nodes: in place only, through node 0 like munmap and mmap (pages cannot
 * move between addresses in the core). A shrink unmaps the tail; a growth maps the free
 * pages after the range; a move is ENOMEM, which callers (musl's realloc) take as "copy it
 * yourself". Linux's checks come first: musl's pthread_getattr_np finds the main stack's
 * extent by growing one page after another until EFAULT (before, every call here was
 * ENOMEM, and that loop never ended). */
static long mm_mremap_in_place(uint64_t old_addr, uint64_t old_len, uint64_t new_len, unsigned flags)
{
    struct uvm_remap plan;
    long r = uvm_mremap_plan(old_addr, old_len, new_len, flags, &plan);
    if (r < 0)
        return r;
    switch (plan.how) {
    case UVM_REMAP_SAME:
        return (long)old_addr;
    case UVM_REMAP_SHRINK:
        r = dsm_control_mm(DSM_MM_MUNMAP, plan.at, plan.len, 0, 0);
        return r < 0 ? r : (long)old_addr;
    case UVM_REMAP_GROW: /* another thread may take the pages first: node 0 decides */
        r = dsm_control_mm(DSM_MM_MMAP, plan.at, plan.len, plan.prot & LINUX_PROT_MASK,
                           LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS | LINUX_MAP_FIXED_NOREPLACE);
        return r == (long)plan.at ? (long)old_addr : -LINUX_ENOMEM;
    default:
        return -LINUX_ENOMEM;
    }
}

long sys_mremap(uint64_t old_addr, uint64_t old_len, uint64_t new_len, uint64_t flags, uint64_t new_addr, uint64_t a5)
{
    (void)a5;
    if (flags > UINT32_MAX)
        return -LINUX_EINVAL;
    uint64_t from, to;
    if (old_len <= UVM_USER_END && old_addr < UVM_USER_END - old_len &&
        uvm_next_shared_file(old_addr, old_addr + PAGE_ALIGN_UP(old_len), &from, &to))
        return -LINUX_ENOMEM; /* not done: node 0's record of a shared file mapping would not follow */
    if (dsm_active())
        return mm_mremap_in_place(old_addr, old_len, new_len, (unsigned)flags);
    return uvm_mremap(old_addr, old_len, new_len, (unsigned)flags, new_addr);
}

long sys_madvise(uint64_t addr, uint64_t len, uint64_t advice, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if (dsm_active()) /* a hint: dropping a page here only would desert the core's copy */
        return 0;
    return uvm_madvise(addr, len, (int)advice);
}
