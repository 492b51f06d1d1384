/* SPDX-License-Identifier: MIT */
/* Page materialisation for kernel/uvm.c: the only code that maps, fills, re-protects and
 * unmaps the program's pages. Rights are LINUX_PROT_* (the region's). This is where the
 * DSM (DESIGN.md 4) takes over: today a first touch gets a zeroed local frame; with the
 * DSM it gets the page from its owner. Region checks are the caller's. */
#ifndef KERNEL_UVM_PAGE_H
#define KERNEL_UVM_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Binds to the address space user pages go into (the current one). */
void uvm_page_init(void);
/* Backs the absent page at va (page aligned) with prot's rights; false when out of memory.
 * Callers hold no state across it, so an implementation may block the calling thread
 * (sched_block) until the page arrives: it runs in the faulting thread's context, on its
 * own kernel stack, for user faults and for kernel/usercopy.h copies alike. */
bool uvm_page_materialise(uint64_t va, unsigned prot);
/* True if the page at va is present; *prot_out gets its current rights. */
bool uvm_page_present(uint64_t va, unsigned *prot_out);
/* Gives the present page at va the rights prot. */
bool uvm_page_set_rights(uint64_t va, unsigned prot);
/* Copies len bytes into the page holding va (materialising it with prot if absent),
 * regardless of its rights; len must not cross the page. False when out of memory. */
bool uvm_page_fill(uint64_t va, unsigned prot, const void *src, size_t len);
/* Makes the page at va (page aligned) hold a copy of the PAGE_SIZE bytes at src with rights
 * prot, whether or not it was present. False when out of memory. */
bool uvm_page_install(uint64_t va, unsigned prot, const void *src);
/* Frees every present page in [start, end). */
void uvm_pages_drop(uint64_t start, uint64_t end);
/* Sets rights prot on every present page in [start, end). */
void uvm_pages_protect(uint64_t start, uint64_t end, unsigned prot);
/* Moves the present pages of [from, from+len) to the free range at to, with rights prot. */
void uvm_pages_move(uint64_t from, uint64_t to, uint64_t len, unsigned prot);
/* True if the page at va is present and was used (read or written, by the program or by a
 * kernel copy) since the last call for it; clears the mark. */
bool uvm_page_test_clear_used(uint64_t va);
/* Pages materialised since boot. */
uint64_t uvm_page_materialised_count(void);

#endif
