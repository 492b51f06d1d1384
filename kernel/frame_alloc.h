/* SPDX-License-Identifier: MIT */
/* Physical frame pool: a binary buddy allocator (Knuth, TAOCP vol. 1 section 2.5) over the
 * usable regions of the multiboot memory map (kernel/multiboot.h). Portable: it never touches
 * the frames it hands out, only its own metadata (one entry per frame between the lowest and
 * highest usable address, carved out of the first usable region large enough), which it
 * reaches through a "window": the virtual address at which physical 0 appears. No locking:
 * one CPU per node, interrupts off (DESIGN.md 3). The kernel's instance is in kernel/mm.h. */
#ifndef KERNEL_FRAME_ALLOC_H
#define KERNEL_FRAME_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/multiboot.h"

#define FRAME_SHIFT 12
#define FRAME_SIZE (1ull << FRAME_SHIFT)
#define FRAME_MAX_ORDER 10                /* largest block: 2^10 frames = 4 MiB */
#define FRAME_MAX_PHYS (1ull << 40)       /* usable RAM above 1 TiB is ignored (and counted) */
#define FRAME_LOW_RESERVED 0x100000ull    /* first 1 MiB: IVT, BIOS data, EBDA, VGA, option ROMs */
#define FRAME_MAX_RESERVED_RANGES 96      /* caller ranges + boot-info ranges + the map's non-usable regions */

enum frame_error {
    FRAME_OK = 0,
    FRAME_ERR_OUTSIDE = -1,         /* address is not inside the pool's frames */
    FRAME_ERR_UNALIGNED = -2,       /* address is not frame (or block) aligned */
    FRAME_ERR_RESERVED = -3,        /* frame was never available (reserved, hole, metadata) */
    FRAME_ERR_DOUBLE_FREE = -4,     /* frame is already free */
    FRAME_ERR_NOT_BLOCK_START = -5, /* frame is inside an allocated block, not at its start */
    FRAME_ERR_WRONG_ORDER = -6,     /* block was allocated with another order */
    FRAME_ERR_BAD_ORDER = -7,       /* order above FRAME_MAX_ORDER */
    FRAME_ERR_BAD_MAP = -8,         /* init: no usable RAM, no room for metadata, too many ranges */
};

/* A physical range [start, end), byte addresses. */
struct frame_range {
    uint64_t start, end;
};

struct frame_meta;

struct frame_pool {
    uintptr_t window;       /* virtual address of physical 0; metadata is read through it */
    uint64_t meta_phys;     /* physical address of the metadata array (inside reserved RAM) */
    uint64_t meta_bytes;    /* its size */
    uint64_t base_pfn;      /* frame number described by metadata entry 0 */
    uint64_t frame_count;   /* metadata entries */
    uint32_t free_head[FRAME_MAX_ORDER + 1]; /* first free block of each order (entry index) */
    uint64_t free_frames;   /* frames currently free */
    uint64_t total_frames;  /* frames ever made available */
    uint64_t ignored_bytes; /* usable RAM not managed (above FRAME_MAX_PHYS) */
    uint64_t bad_frees;     /* frees refused with an error */
};

/* Builds the pool over the usable regions minus reserved[0..count) and minus every
 * non-usable region of the map. window: virtual address of physical 0. Returns FRAME_OK,
 * or writes the reason to err and returns FRAME_ERR_BAD_MAP (no usable RAM, no room for
 * the metadata, too many ranges). */
int frame_pool_init(struct frame_pool *pool, const struct boot_memory_region *regions, size_t region_count,
                    const struct frame_range *reserved, size_t reserved_count, uintptr_t window, char *err,
                    size_t err_size);
/* frame_pool_init over a boot_info's map, also reserving the first 1 MiB, the multiboot
 * information page, every module and the given kernel image range. */
int frame_pool_init_boot(struct frame_pool *pool, const struct boot_info *info, struct frame_range kernel_image,
                         uintptr_t window, char *err, size_t err_size);
/* Moves the window (e.g. from the boot identity map to the direct map). */
void frame_pool_set_window(struct frame_pool *pool, uintptr_t window);
/* Allocates 2^order contiguous frames aligned to their size; returns the physical address,
 * or 0 when no block is free (or order > FRAME_MAX_ORDER). Frame 0 is never handed out. */
uint64_t frame_pool_alloc(struct frame_pool *pool, unsigned order);
/* frame_pool_alloc, but the whole block lies below physical address limit (for tables
 * built while only the boot identity map exists). Walks the free lists: not for hot paths. */
uint64_t frame_pool_alloc_below(struct frame_pool *pool, unsigned order, uint64_t limit);
/* Frees a block from frame_pool_alloc(pool, order). Returns FRAME_OK or a frame_error;
 * on error nothing changes except the bad_frees counter. */
int frame_pool_free(struct frame_pool *pool, uint64_t phys, unsigned order);
/* True if the frame at phys is managed and currently allocated. */
bool frame_pool_is_allocated(const struct frame_pool *pool, uint64_t phys);
/* A short description of a frame_error value. */
const char *frame_strerror(int error);

#endif
