/* SPDX-License-Identifier: MIT */
/* Memory the NICs read and write by DMA (rings and packet buffers): a bump allocator over
 * a physically contiguous pool in the kernel's .bss, so its physical address is known
 * from the link layout (KERNEL_VMA + phys, linker.ld) without the frame allocator or the
 * kernel page tables. Never freed: drivers allocate once at probe. Cacheable write-back
 * memory, which is coherent with device DMA on x86. */
#ifndef DRIVERS_DMA_H
#define DRIVERS_DMA_H

#include <stddef.h>
#include <stdint.h>

#define DMA_POOL_SIZE (4u << 20) /* one NIC with jumbo buffers needs ~2 MiB (virtio_net.c) */

/* Returns size zeroed bytes aligned to align (a power of two <= 4096) and their physical
 * address in *phys, or NULL when the pool is exhausted. */
void *dma_alloc(size_t size, size_t align, uint64_t *phys);
/* Bytes of the pool still free. */
size_t dma_free_bytes(void);

#endif
