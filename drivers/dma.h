/* SPDX-License-Identifier: MIT */
/* Memory the NICs read and write by DMA (rings and packet buffers): a bump allocator over
 * physically contiguous blocks from the frame allocator (frame_alloc_contig, kernel/mm.h),
 * reached through the direct map. Cacheable write-back memory, which is coherent with
 * device DMA on x86. Never freed: drivers allocate once at probe. */
#ifndef DRIVERS_DMA_H
#define DRIVERS_DMA_H

#include <stddef.h>
#include <stdint.h>

#define DMA_MAX_ALIGN 4096u

/* Returns size zeroed, physically contiguous bytes aligned to align (a power of two
 * <= DMA_MAX_ALIGN) and their physical address in *phys, or NULL when memory ran out or
 * size exceeds the largest block the frame allocator gives (4 MiB). */
void *dma_alloc(size_t size, size_t align, uint64_t *phys);
/* Bytes handed out so far (for reports when a driver runs short). */
size_t dma_allocated_bytes(void);

#endif
