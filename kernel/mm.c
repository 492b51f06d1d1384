/* SPDX-License-Identifier: MIT */
/* The kernel's instances of the frame pool (kernel/frame_alloc.c) and the heap
 * (kernel/heap.c): boot-time setup from the multiboot map, and wrappers that turn a bad
 * free into a panic naming the address (a kernel bug, never peer or user input). */
#include <arch/paging.h>

#include "kernel/frame_alloc.h"
#include "kernel/heap.h"
#include "kernel/libc.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/multiboot.h"
#include "kernel/panic.h"

extern char _load_start_phys[], _bss_end_phys[]; /* linker.ld: the whole image, physical */

static struct frame_pool frames;
static struct heap kernel_heap;

void frame_alloc_init(const struct boot_info *info)
{
    char err[160];
    struct frame_range image = { (uint64_t)(uintptr_t)_load_start_phys, (uint64_t)(uintptr_t)_bss_end_phys };
    /* Before paging_init physical memory is reached through the boot identity map. */
    if (frame_pool_init_boot(&frames, info, image, 0, err, sizeof err) != FRAME_OK)
        panic("frames: %s", err);
    log_info("frames: %llu MiB free in %llu frames, metadata at 0x%llx (%llu KiB)%s",
             (unsigned long long)(frames.free_frames * FRAME_SIZE >> 20), (unsigned long long)frames.total_frames,
             (unsigned long long)frames.meta_phys, (unsigned long long)(frames.meta_bytes >> 10),
             frames.ignored_bytes ? ", RAM above 1 TiB ignored" : "");
}

void frame_alloc_set_window(uintptr_t window)
{
    frame_pool_set_window(&frames, window);
}

uint64_t frame_alloc(void)
{
    return frame_pool_alloc(&frames, 0);
}

uint64_t frame_alloc_contig(unsigned order)
{
    return frame_pool_alloc(&frames, order);
}

uint64_t frame_alloc_below(uint64_t limit)
{
    return frame_pool_alloc_below(&frames, 0, limit);
}

void frame_free_contig(uint64_t phys, unsigned order)
{
    int error = frame_pool_free(&frames, phys, order);
    if (error != FRAME_OK)
        panic("frame_free(0x%llx, order %u): %s", (unsigned long long)phys, order, frame_strerror(error));
}

void frame_free(uint64_t phys)
{
    frame_free_contig(phys, 0);
}

uint64_t frame_free_count(void)
{
    return frames.free_frames;
}

uint64_t frame_total_count(void)
{
    return frames.total_frames;
}

static void *heap_get_pages(void *ctx, unsigned order)
{
    (void)ctx;
    uint64_t phys = frame_alloc_contig(order);
    return phys ? phys_to_virt(phys) : NULL;
}

static void heap_put_pages(void *ctx, void *pages, unsigned order)
{
    (void)ctx;
    frame_free_contig(virt_to_phys(pages), order);
}

void heap_init(void)
{
    /* The heap's window is the direct map up to the last managed frame; its page
     * descriptors live in KERNEL_HEAP_META_AREA, mapped frame by frame. */
    size_t window_pages = (size_t)(frames.base_pfn + frames.frame_count);
    uint64_t desc_bytes = PAGE_ALIGN_UP(window_pages * sizeof(struct heap_page_desc));
    for (uint64_t off = 0; off < desc_bytes; off += PAGE_SIZE) {
        uint64_t phys = frame_alloc();
        if (!phys || pt_map(as_kernel(), KERNEL_HEAP_META_AREA + off, phys, PT_WRITE) != PT_OK)
            panic("heap: cannot map %llu KiB of page descriptors", (unsigned long long)(desc_bytes >> 10));
    }
    struct heap_page_source source = { NULL, heap_get_pages, heap_put_pages };
    heap_setup(&kernel_heap, &source, DIRECT_MAP_BASE, window_pages,
               (struct heap_page_desc *)(uintptr_t)KERNEL_HEAP_META_AREA);
    log_info("heap: ready over %zu MiB of direct map, %llu KiB of page descriptors", window_pages >> 8,
             (unsigned long long)(desc_bytes >> 10));
}

void *kmalloc(size_t size)
{
    return heap_alloc(&kernel_heap, size);
}

void *kzalloc(size_t size)
{
    void *p = heap_alloc(&kernel_heap, size);
    if (p)
        memset(p, 0, size);
    return p;
}

void kfree(void *p)
{
    int error = heap_free(&kernel_heap, p);
    if (error != HEAP_OK)
        panic("kfree(%p): %s", p, heap_strerror(error));
}

const struct heap_stats *kmalloc_stats(void)
{
    return &kernel_heap.stats;
}
