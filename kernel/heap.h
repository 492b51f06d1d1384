/* SPDX-License-Identifier: MIT */
/* Kernel heap core: size classes 16..2048 bytes in slabs of whole pages, larger requests as
 * page blocks of a power-of-two size. Portable: pages come from a caller-supplied source and
 * must lie in a "window" of address space the heap describes with one descriptor per page
 * (the kernel's window is the direct map). Every slot's state is kept out of the slot, so a
 * double free or a pointer the heap never gave out is detected and refused. No locking
 * (one CPU, interrupts off). The kernel's instance (kmalloc/kfree) is in kernel/mm.h. */
#ifndef KERNEL_HEAP_H
#define KERNEL_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEAP_PAGE_SIZE 4096u
#define HEAP_CLASS_COUNT 8           /* 16, 32, ..., 2048 */
#define HEAP_MIN_CLASS 16u           /* also the alignment of every block */
#define HEAP_MAX_CLASS 2048u
#define HEAP_MAX_ORDER 10            /* largest block: 2^10 pages (the frame allocator's limit) */
#define HEAP_SLAB_MAP_WORDS 4        /* free-slot bitmap: up to 256 slots per slab */

enum heap_error {
    HEAP_OK = 0,
    HEAP_ERR_FOREIGN = -1,     /* the heap never gave out memory at that address */
    HEAP_ERR_DOUBLE_FREE = -2, /* already free (or in memory the heap has given back) */
    HEAP_ERR_BAD_POINTER = -3, /* inside a heap block, not at its start */
};

/* Where the heap's pages come from. alloc_pages returns 2^order pages aligned to their
 * size inside the window, or NULL; free_pages takes them back. */
struct heap_page_source {
    void *ctx;
    void *(*alloc_pages)(void *ctx, unsigned order);
    void (*free_pages)(void *ctx, void *pages, unsigned order);
};

/* One per page of the window (kind, order, index of its block's first page). */
struct heap_page_desc {
    uint8_t kind;
    uint8_t order;
    uint16_t reserved;
    uint32_t head;
};

struct heap_slab;

struct heap_stats {
    uint64_t allocs, frees;
    uint64_t failed_allocs; /* NULL returned: out of pages or too large */
    uint64_t bad_frees;     /* heap_free refused with an error */
    uint64_t bytes_in_use;  /* by size class / page block, not by request */
    uint64_t slab_pages, large_pages;
};

struct heap {
    struct heap_page_source source;
    uintptr_t window_base;                         /* page aligned */
    size_t window_pages;
    struct heap_page_desc *pages;                  /* window_pages descriptors */
    struct heap_slab *partial[HEAP_CLASS_COUNT];   /* slabs with a free slot, per class */
    struct heap_stats stats;
};

/* Sets up h over the window [window_base, window_base + window_pages pages), with descs
 * (window_pages entries, owned by h from now on; zeroed here). */
void heap_setup(struct heap *h, const struct heap_page_source *source, uintptr_t window_base, size_t window_pages,
                struct heap_page_desc *descs);
/* size bytes aligned to 16 (to a page if size >= HEAP_PAGE_SIZE); NULL if out of memory or
 * size needs more than 2^HEAP_MAX_ORDER pages. Size 0 gets the smallest block. */
void *heap_alloc(struct heap *h, size_t size);
/* Frees p (NULL is fine). Returns HEAP_OK or a heap_error; on error nothing changes but
 * stats.bad_frees. */
int heap_free(struct heap *h, void *p);
/* Bytes usable at p (its class or block size); 0 if p is not a live heap block. */
size_t heap_block_size(const struct heap *h, const void *p);
/* A short description of a heap_error value. */
const char *heap_strerror(int error);

#endif
