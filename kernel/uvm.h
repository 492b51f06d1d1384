/* SPDX-License-Identifier: MIT */
/* The user address space of the program (one per node, DESIGN.md 1 and 4). Two parts
 * kept apart on purpose: region bookkeeping (which ranges exist, with which rights:
 * mmap, munmap, mprotect, mremap, brk) and page materialisation (what backs a page the
 * first time it is touched). Every user page fault - the program's or the kernel's own
 * through kernel/usercopy.h - goes through uvm_handle_fault; today it fills a zero page,
 * later the DSM asks the page's owner there. Anonymous private memory only; no files. */
#ifndef KERNEL_UVM_H
#define KERNEL_UVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Distinct mappings (adjacent equal ones merge). A musl thread's stack takes two (the stack
 * and its PROT_NONE guard), so this allows 8192 threads: every node of a 4-node cluster
 * full (kernel/thread.h THREAD_MAX), and more. Linux allows 65530 (vm.max_map_count). */
#define UVM_MAX_REGIONS 16384
#define UVM_USER_END 0x00007ffffffff000ull   /* Linux's TASK_SIZE_MAX: regions end below it */
#define UVM_STACK_TOP UVM_USER_END
#define UVM_STACK_SIZE (8ull << 20)          /* the main thread's stack region (RLIMIT_STACK) */
#define UVM_MMAP_TOP 0x00007f0000000000ull   /* mmap without a hint searches downwards from here */
#define UVM_MMAP_BOTTOM 0x0000000100000000ull /* ... and never below here without a hint */
#define UVM_MMAP_MIN_ADDR 0x10000ull           /* Linux's default vm.mmap_min_addr */
/* MAP_32BIT's window: the second GiB, as Linux's x86-64 find_start_end (sys_x86_64.c) */
#define UVM_MMAP_32BIT_BOTTOM 0x40000000ull
#define UVM_MMAP_32BIT_TOP 0x80000000ull
#define UVM_BRK_LIMIT 0x00000000c0000000ull   /* below the kernel's device window at 3-4 GiB */
#define UVM_MAX_TOTAL (16ull << 30)          /* bytes of regions at once (bounds unmap walks) */

/* Beside the LINUX_PROT_* rights of a region: its bytes are a shared writable file mapping's
 * (kernel/shared_maps.h), to be written back to the file. Outside LINUX_PROT_MASK, so no
 * program can ask for it; mprotect keeps it. */
#define UVM_PROT_SHARED_FILE 0x40000000u

enum uvm_access { UVM_ACCESS_READ, UVM_ACCESS_WRITE, UVM_ACCESS_EXEC };

enum uvm_fault {
    UVM_FAULT_RESOLVED = 0, /* the page is there with the rights: retry the access */
    UVM_FAULT_VIOLATION,    /* no region, or the region forbids this access: SIGSEGV */
    UVM_FAULT_NO_MEMORY,    /* allowed, but no frame to back it: the program is out of memory */
};

/* Creates and activates the program's address space with no regions. */
void uvm_init(void);
/* Adds region [start, start+len) with LINUX_PROT_* rights (page aligned, must be free);
 * 0 or a negative errno. */
int uvm_region_add(uint64_t start, uint64_t len, unsigned prot);
/* THE user page-fault path: makes addr accessible for access if a region allows it
 * (materialising the page). */
enum uvm_fault uvm_handle_fault(uint64_t addr, enum uvm_access access);
/* Writes len bytes at user va regardless of rights (the loader fills read-only text
 * this way); pages are materialised as needed. 0 or a negative errno. */
int uvm_write_initial(uint64_t va, const void *src, size_t len);
/* Sets the program break's base (page aligned end of the image). */
void uvm_brk_init(uint64_t base);

/* Linux syscalls on the region map (man 2 brk, mmap, munmap, mprotect, mremap, madvise):
 * each returns what the syscall returns (an address or 0, or a negative errno). */
long uvm_brk(uint64_t new_end);
/* The program break: its base (above the image) and its end now. */
void uvm_brk_bounds(uint64_t *base, uint64_t *end);
long uvm_mmap(uint64_t addr, uint64_t len, unsigned prot, unsigned flags);
/* Where uvm_mmap_placed puts a mapping that has no usable hint: the highest free range in
 * the stripe_bytes-sized stripes of [base, UVM_MMAP_TOP) whose index (counted from base)
 * mod classes is class_index, so the DSM can home it on the node that asked
 * (dsm_set_home_stripes); anywhere once the first UVM_PLACEMENT_PROBES such stripes from
 * the top are full. */
struct uvm_placement {
    uint64_t base;         /* in [UVM_MMAP_BOTTOM, UVM_MMAP_TOP), a whole number of stripes below the top */
    uint64_t stripe_bytes; /* a multiple of the page size */
    unsigned classes, class_index;
};
#define UVM_PLACEMENT_PROBES 64
/* uvm_mmap with a placement (NULL: top-down from UVM_MMAP_TOP, as uvm_mmap). */
long uvm_mmap_placed(uint64_t addr, uint64_t len, unsigned prot, unsigned flags, const struct uvm_placement *where);
long uvm_munmap(uint64_t addr, uint64_t len);
long uvm_mprotect(uint64_t addr, uint64_t len, unsigned prot);
long uvm_mremap(uint64_t old_addr, uint64_t old_len, uint64_t new_len, unsigned flags, uint64_t new_addr);
/* What an mremap(2) comes to: its range stays as it is, its tail [at, at + len) goes, the
 * free pages [at, at + len) after it join it (with prot), or it must move elsewhere
 * (MREMAP_MAYMOVE) or cannot grow (ENOMEM). */
struct uvm_remap {
    enum { UVM_REMAP_SAME, UVM_REMAP_SHRINK, UVM_REMAP_GROW, UVM_REMAP_MOVE, UVM_REMAP_NONE } how;
    uint64_t at, len;
    unsigned prot;               /* the region's, marks included */
    uint64_t old_size, new_size; /* page-rounded */
};
/* mremap(2)'s checks (EINVAL; EFAULT when the old range is not one region's) and its plan
 * into *plan on the region table as it is: 0 or -errno. */
long uvm_mremap_plan(uint64_t old_addr, uint64_t old_len, uint64_t new_len, unsigned flags, struct uvm_remap *plan);
long uvm_madvise(uint64_t addr, uint64_t len, int advice);
/* munmap under the DSM: [addr, addr + len) becomes a hole to the program whose addresses
 * are never mapped again (kernel/uvm.c, UVM_RETIRED); unmapped parts stay so. 0 or -EINVAL
 * (as munmap), -ENOMEM when the region table is full. */
long uvm_retire(uint64_t addr, uint64_t len);
/* The check of msync and mlock: 0 if [addr, addr + len rounded up to pages) is mapped,
 * -EINVAL for an addr not page aligned or a range past user space, else -ENOMEM. */
long uvm_range_check(uint64_t addr, uint64_t len);
/* True if [addr, addr + len rounded up to pages) is mapped (not retired) and every part's
 * rights hold all of at_least and none beyond at_most; time grows with the regions it
 * crosses, not with len. */
bool uvm_range_rights_between(uint64_t addr, uint64_t len, unsigned at_least, unsigned at_most);

/* The first part of [from, end) in a region with UVM_PROT_SHARED_FILE: true with it in
 * [*start, *stop), false if there is none. */
bool uvm_next_shared_file(uint64_t from, uint64_t end, uint64_t *start, uint64_t *stop);
/* LINUX_PROT_* rights of the region holding addr, 0 if none (for the DSM glue). */
unsigned uvm_region_rights(uint64_t addr);
/* True if a region (PROT_NONE ones too) holds addr: a fault there is SEGV_ACCERR. */
bool uvm_region_mapped(uint64_t addr);
/* The index-th region in address order; false past the last (for the DSM glue). */
bool uvm_region_get(size_t index, uint64_t *start, uint64_t *end, unsigned *prot);

/* Counters for the exit line and tests. */
uint64_t uvm_pages_materialised(void);
size_t uvm_region_count(void);

#endif
