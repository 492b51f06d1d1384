/* SPDX-License-Identifier: MIT */
/* Kernel memory interface: physical frames, the direct map, the kernel's page tables and
 * address spaces, kernel stacks, MMIO mappings and the kernel heap. Implemented by
 * kernel/frame_alloc.c (+ kernel/mm.c), arch/x86_64/paging.c, kernel/kstack.c and
 * kernel/heap.c (+ kernel/mm.c). All of it runs with interrupts off (one CPU per node).
 *
 * Virtual layout (x86-64, 4-level paging):
 *   0x0000000000000000 - 0x00007fffffffffff  user (the shared DSM address space); nothing
 *                                            else is mapped there, so NULL faults
 *   0xffff800000000000 + phys               direct map of every region of the memory map
 *                                            and the first 1 MiB (RW, NX, cacheable)
 *   0xffffc00000000000 ...                  kernel stacks, each under an unmapped guard page
 *   0xffffc08000000000 ...                  MMIO mappings (uncached, RW, NX), see mmio_map
 *   0xffffc10000000000 ...                  heap page descriptors
 *   0xffffffff80000000 + phys               kernel image (text RX, rodata R, data/bss RW NX)
 * Before paging_init only the boot tables exist (identity 0-4 GiB and the image); after it
 * physical memory is reached only through phys_to_virt (ACPI tables and module contents too).
 */
#ifndef KERNEL_MM_H
#define KERNEL_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE 4096ull
#define PAGE_SHIFT 12
#define DIRECT_MAP_BASE 0xffff800000000000ull
#define DIRECT_MAP_SIZE (1ull << 46) /* 64 TiB; RAM above that is not mapped */
#define KERNEL_STACK_AREA 0xffffc00000000000ull
#define KERNEL_MMIO_AREA 0xffffc08000000000ull
#define KERNEL_MMIO_AREA_SIZE (1ull << 39)
#define KERNEL_HEAP_META_AREA 0xffffc10000000000ull
#define KERNEL_VMA 0xffffffff80000000ull
#define USER_SPACE_END 0x0000800000000000ull

#define PAGE_ALIGN_DOWN(x) ((x) & ~(PAGE_SIZE - 1))
#define PAGE_ALIGN_UP(x) (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

struct boot_info;

/* The direct map: every RAM frame at DIRECT_MAP_BASE + phys (valid after paging_init). */
static inline void *phys_to_virt(uint64_t phys) { return (void *)(uintptr_t)(DIRECT_MAP_BASE + phys); }
/* Physical address of a mapped kernel address (direct map, image, stack, MMIO, heap);
 * panics on an unmapped one. */
uint64_t virt_to_phys(const void *va);

/* ---- physical frames (kernel/mm.c over kernel/frame_alloc.c) ---- */

/* Builds the frame pool from the boot memory map, keeping out the first 1 MiB, the kernel
 * image, the multiboot information page and every module. Panics if there is no RAM. */
void frame_alloc_init(const struct boot_info *info);
/* One 4 KiB frame (physical address, contents undefined), or 0 when memory is exhausted. */
uint64_t frame_alloc(void);
/* 2^order contiguous frames aligned to their size (order <= FRAME_MAX_ORDER = 10), or 0. */
uint64_t frame_alloc_contig(unsigned order);
/* Frees a frame from frame_alloc; panics naming the address on a double or bad free. */
void frame_free(uint64_t phys);
/* Frees a block from frame_alloc_contig(order); panics on a double or bad free. */
void frame_free_contig(uint64_t phys, unsigned order);
/* A frame below physical address limit, or 0; for paging_init, before the direct map exists. */
uint64_t frame_alloc_below(uint64_t limit);
/* Where the frame pool reads its metadata: virtual address of physical 0 (paging_init only). */
void frame_alloc_set_window(uintptr_t window);
/* Frames free now / managed in total. */
uint64_t frame_free_count(void);
uint64_t frame_total_count(void);

/* ---- page tables and address spaces (arch/x86_64/paging.c) ---- */

#define PT_WRITE (1u << 0)    /* writable; read-only otherwise */
#define PT_USER (1u << 1)     /* user accessible (user half only) */
#define PT_EXEC (1u << 2)     /* executable; no-execute otherwise */
#define PT_UNCACHED (1u << 3) /* PCD|PWT: device memory */
#define PT_ACCESSED (1u << 4) /* pt_query only: the CPU has used the page */
#define PT_DIRTY (1u << 5)    /* pt_query only: the CPU has written the page */
/* No access at all (PROT_NONE): the entry keeps its frame but is not present to the CPU,
 * so every access faults; pt_query, pt_protect and pt_unmap still find the frame. */
#define PT_NO_ACCESS (1u << 6)

enum pt_error {
    PT_OK = 0,
    PT_ERR_NOMEM = -1,      /* no frame for a page table */
    PT_ERR_EXISTS = -2,     /* pt_map: the page is already mapped */
    PT_ERR_BAD_ADDR = -3,   /* unaligned, non-canonical, wrong half, or inside a huge page */
    PT_ERR_NOT_MAPPED = -4, /* pt_unmap / pt_protect: nothing mapped there */
};

struct addr_space;

/* Builds the kernel's tables (image by section rights, direct map, stack/MMIO/heap areas),
 * switches CR3 to them (the boot identity map is gone afterwards) and moves the frame
 * pool to the direct map. Needs frame_alloc_init first. */
void paging_init(const struct boot_info *info);
/* Maps len bytes of device memory at phys uncached (PCD|PWT), RW, NX; returns the address
 * of phys. The same range asked twice returns the same mapping. Panics if the area is full. */
void *mmio_map(uint64_t phys, size_t len);
/* The kernel's own address space (no user mappings; active after paging_init). */
struct addr_space *as_kernel(void);
/* The address space in CR3. */
struct addr_space *as_current(void);
/* A new address space: empty user half, shared kernel half. NULL when out of memory. Needs heap_init. */
struct addr_space *as_create(void);
/* Frees as's page tables (not the frames its leaves point to: unmap those first). as must not be active. */
void as_destroy(struct addr_space *as);
/* Loads as into CR3 (no-op if it is already there). */
void as_activate(struct addr_space *as);
/* Maps the 4 KiB page at va to phys with PT_* flags. User-half va needs PT_USER; a
 * kernel-half va is mapped in the shared kernel tables (stack/MMIO/heap areas only). */
int pt_map(struct addr_space *as, uint64_t va, uint64_t phys, unsigned flags);
/* Unmaps the 4 KiB page at va and flushes it from the TLB; *phys_out gets its frame (may be NULL). */
int pt_unmap(struct addr_space *as, uint64_t va, uint64_t *phys_out);
/* Changes the rights of the mapped page at va to flags (PT_WRITE/PT_USER/PT_EXEC/PT_UNCACHED); flushes the TLB entry. */
int pt_protect(struct addr_space *as, uint64_t va, unsigned flags);
/* Clears the accessed and dirty bits of the mapped 4 KiB page at va (flushing its TLB entry,
 * so the next write sets dirty again); *was_dirty (may be NULL) gets the old dirty bit. For
 * finding pages written since a checkpoint. */
int pt_clear_dirty(struct addr_space *as, uint64_t va, bool *was_dirty);
/* Clears the accessed bit of the mapped 4 KiB page at va (flushing its TLB entry, so the
 * next access sets it again); *was_accessed (may be NULL) gets the old bit. The dirty bit
 * stays. For finding pages used on this CPU since. */
int pt_clear_accessed(struct addr_space *as, uint64_t va, bool *was_accessed);
/* True if va is mapped (any page size); gives the frame of va's page and its PT_* flags. */
bool pt_query(struct addr_space *as, uint64_t va, uint64_t *phys, unsigned *flags);

/* ---- kernel stacks (kernel/kstack.c) ---- */

#define KSTACK_MAX_PAGES 15 /* each stack slot is 16 pages of address space: guard + stack */
#define KSTACK_SLOTS 1024

/* A kernel stack of pages (1..KSTACK_MAX_PAGES) mapped RW NX in KERNEL_STACK_AREA with an
 * unmapped guard page below it; returns its top (16-byte aligned, exclusive), 0 if out of
 * memory or slots. Usable for IST stacks. */
uint64_t kstack_alloc(size_t pages);
/* Frees a stack by the top kstack_alloc returned; panics on an address it did not give. */
void kstack_free(uint64_t top);

/* ---- kernel heap (kernel/mm.c over kernel/heap.c) ---- */

/* Sets up the heap over the frame pool. Needs paging_init first. */
void heap_init(void);
/* size bytes aligned to 16 (page aligned if size >= PAGE_SIZE), or NULL when out of memory. */
void *kmalloc(size_t size);
/* kmalloc, zeroed. */
void *kzalloc(size_t size);
/* Frees a kmalloc'd block; NULL is ignored; panics naming the address on a double free or
 * a pointer the heap never gave out. */
void kfree(void *p);
struct heap_stats;
/* The kernel heap's counters (struct heap_stats in kernel/heap.h). */
const struct heap_stats *kmalloc_stats(void);

#endif
