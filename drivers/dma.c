/* SPDX-License-Identifier: MIT */
/* The DMA pool (see dma.h): page-aligned .bss, so it is physically contiguous and lies at
 * physical (virtual - KERNEL_VMA). Deliberately no free: ring memory lives as long as the
 * node. */
#include "drivers/dma.h"

#include "kernel/ktest.h"
#include "kernel/libc.h"
#include "kernel/mm.h"

#define DMA_MAX_ALIGN 4096u

static uint8_t dma_pool[DMA_POOL_SIZE] __attribute__((aligned(DMA_MAX_ALIGN)));
static size_t dma_used; /* bytes handed out from the start of dma_pool */

void *dma_alloc(size_t size, size_t align, uint64_t *phys)
{
    if (align == 0 || align > DMA_MAX_ALIGN || (align & (align - 1)) != 0)
        return NULL;
    size_t start = (dma_used + align - 1) & ~(align - 1);
    if (start > DMA_POOL_SIZE || size > DMA_POOL_SIZE - start)
        return NULL;
    dma_used = start + size;
    uint8_t *p = dma_pool + start;
    memset(p, 0, size);
    *phys = (uint64_t)(uintptr_t)p - KERNEL_VMA;
    return p;
}

size_t dma_free_bytes(void)
{
    return DMA_POOL_SIZE - dma_used;
}

KTEST(drivers_dma_alloc_aligned_zeroed_and_physical)
{
    uint64_t phys = 0;
    uint8_t *a = dma_alloc(100, 64, &phys);
    if (!KT_EXPECT(a != NULL))
        return;
    KT_EXPECT_EQ((uintptr_t)a % 64, 0);
    KT_EXPECT_EQ(phys, virt_to_phys(a)); /* what the device will be told is where it lands */
    KT_EXPECT_EQ(a[0] | a[99], 0);
    uint8_t *b = dma_alloc(10, 4096, &phys);
    if (KT_EXPECT(b != NULL)) {
        KT_EXPECT_EQ((uintptr_t)b % 4096, 0);
        KT_EXPECT_EQ(phys % 4096, 0);
        KT_EXPECT_EQ(phys, virt_to_phys(b));
    }
    KT_EXPECT(dma_alloc(16, 3, &phys) == NULL);
    KT_EXPECT(dma_alloc(DMA_POOL_SIZE + 1, 64, &phys) == NULL);
}
