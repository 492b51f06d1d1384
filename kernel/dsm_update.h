/* SPDX-License-Identifier: MIT */
/* Write-update regions in the kernel (issue 6, docs/dsm-protocol.md 4c): the store trap
 * over the core's dsm_write() and dsm_atomic() and the choice of regions with dsm.update=
 * at boot. Pages of
 * such regions stay mapped read-only on every node; a user store to one is decoded
 * (kernel/store_decode.h), sent through the page's sequencer and skipped. Kernel writes
 * into them (copy_to_user: a syscall's output, the exit's clear of clear_child_tid) go
 * through the sequencer too (dsm_update_kernel_write). */
#ifndef KERNEL_DSM_UPDATE_H
#define KERNEL_DSM_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/uvm.h"

/* Node 0 before it sends the region table: checks the dsm.update= ranges against the
 * location scheme (not `dynamic`) and the loaded image (no read-only page, text, in a
 * range; loaded data is fine). False after logging why. */
bool dsm_update_check_start(unsigned scheme);
/* The index-th dsm.update= range in pages; false past the last. */
bool dsm_update_range_get(size_t index, uint64_t *first, uint64_t *count);
/* True if page (a page number) lies in a dsm.update= range. */
bool dsm_update_range_has(uint64_t page);
/* Node 0: calls add(ctx, first, count) for each run of pages of the dsm.update= ranges
 * not present now (the loaded ones are the image's regions); false as soon as add does. */
bool dsm_update_add_untouched(bool (*add)(void *ctx, uint64_t first, uint64_t count), void *ctx);
/* Every node, for each core region it added: remembers the write-update ones, and maps
 * the loaded pages of such a region it holds read-only (stores then trap). */
void dsm_update_note_region(uint64_t first, uint64_t count, unsigned flags);
/* How many pages of [first, first + count) are write-update (the noted regions never
 * overlap), in time that grows with the regions, not with count. */
uint64_t dsm_update_pages_in(uint64_t first, uint64_t count);
/* True if page (a page number) lies in a write-update region. */
bool dsm_update_page(uint64_t page);
/* The DSM write-fault path for a write-update page va (page aligned). A user store: decoded,
 * written through dsm_write in pieces of at most 8 bytes (an atomic form: one dsm_atomic,
 * registers and flags set from the old bytes) with the thread parked until each is
 * everywhere, RIP advanced: UVM_FAULT_RESOLVED. An unsupported instruction (logged as
 * "write-update page: unsupported store instruction at RIP ...") and a kernel access
 * (copy_to_user: the copy fails with EFAULT) give UVM_FAULT_VIOLATION. */
enum uvm_fault dsm_update_fault(uint64_t va);
/* copy_to_user's bytes for a write-update page: n bytes of src at user address dst (within
 * one such page) written through dsm_write like a user store, the thread parked until they
 * are everywhere (thread context). 0 or -EFAULT. */
int dsm_update_kernel_write(uint64_t dst, const void *src, size_t n);

#endif
