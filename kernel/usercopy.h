/* SPDX-License-Identifier: MIT */
/* Every kernel access to user memory (DESIGN.md 4: it takes the same fault path as the
 * program's own accesses). Pointers are range-checked against the user half; pages that
 * are not present are materialised by uvm_handle_fault during the copy; an address no
 * region covers makes the copy fail with -EFAULT, never a kernel fault. */
#ifndef KERNEL_USERCOPY_H
#define KERNEL_USERCOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/trap.h>

/* End of what a user pointer may reach: Linux's TASK_SIZE_MAX on x86-64 with 4-level
 * paging, (1 << 47) - 4096; the last page of the half is never user memory. */
#define USER_ACCESS_LIMIT 0x00007ffffffff000ull

/* True if [addr, addr+len) lies below USER_ACCESS_LIMIT without wrapping. */
bool user_range_ok(uint64_t addr, uint64_t len);
/* Copies n bytes from user address src; 0 or -EFAULT. */
int copy_from_user(void *dst, uint64_t src, size_t n);
/* Copies n bytes to user address dst; 0 or -EFAULT. */
int copy_to_user(uint64_t dst, const void *src, size_t n);
/* Copies a NUL-terminated string of at most max-1 bytes; returns its length, -EFAULT, or
 * -ENAMETOOLONG when no NUL is found within max bytes. */
long copy_string_from_user(char *dst, uint64_t src, size_t max);
/* Atomically replaces the aligned user word at uaddr by desired if it holds expected (a
 * fault brings its page here writable first, through the DSM on a cluster); *found gets
 * the value it held. 0, -EFAULT, or -EINVAL for a write-update page (whose stores go
 * through its sequencer, kernel/dsm_update.h: no atomic there). */
int user_cmpxchg32(uint64_t uaddr, uint32_t expected, uint32_t desired, uint32_t *found);
/* Copies that ended in -EFAULT since boot (bad user pointers handed to syscalls). */
uint64_t usercopy_efault_count(void);
/* Called for a kernel-mode #PF: if it hit the copy loop, materialises the page or moves
 * the frame to the fixup; returns false for any other kernel fault. */
bool usercopy_handle_kernel_fault(struct trap_frame *frame, uint64_t addr);

#endif
