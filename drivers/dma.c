/* SPDX-License-Identifier: MIT */
/* The DMA allocator (see dma.h): carves requests out of 2 MiB blocks from the buddy frame
 * allocator; a request that does not fit the rest of the current block opens a new block
 * (big enough for it), and the rest of the old one is left unused. Deliberately no free:
 * ring memory lives as long as the node. */
#include "drivers/dma.h"

#include "kernel/frame_alloc.h"
#include "kernel/ktest.h"
#include "kernel/libc.h"
#include "kernel/mm.h"

#define DMA_BLOCK_ORDER 9 /* 2^9 frames = 2 MiB: one NIC's rings and buffers in a block or two */

static uint8_t *dma_block;      /* current block (direct map); NULL before the first request */
static uint64_t dma_block_phys;
static size_t dma_block_size;
static size_t dma_block_used;   /* bytes handed out from the start of dma_block */
static size_t dma_total;        /* bytes handed out overall */

/* Opens a new block of at least size bytes; false when memory ran out. */
static bool dma_new_block(size_t size)
{
    unsigned order = DMA_BLOCK_ORDER;
    while ((PAGE_SIZE << order) < size && order < FRAME_MAX_ORDER)
        order++;
    if ((PAGE_SIZE << order) < size)
        return false;
    uint64_t phys = frame_alloc_contig(order);
    if (!phys)
        return false;
    dma_block = phys_to_virt(phys);
    dma_block_phys = phys;
    dma_block_size = (size_t)(PAGE_SIZE << order);
    dma_block_used = 0;
    return true;
}

void *dma_alloc(size_t size, size_t align, uint64_t *phys)
{
    if (align == 0 || align > DMA_MAX_ALIGN || (align & (align - 1)) != 0 || size == 0)
        return NULL;
    size_t start = (dma_block_used + align - 1) & ~(align - 1);
    if (!dma_block || start > dma_block_size || size > dma_block_size - start) {
        if (!dma_new_block(size))
            return NULL;
        start = 0; /* blocks are at least page aligned */
    }
    dma_block_used = start + size;
    dma_total += size;
    uint8_t *p = dma_block + start;
    memset(p, 0, size);
    *phys = dma_block_phys + start;
    return p;
}

size_t dma_allocated_bytes(void)
{
    return dma_total;
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
    /* Larger than a block: its own block, still contiguous (first and last byte agree). */
    size_t big = (size_t)(PAGE_SIZE << DMA_BLOCK_ORDER) + PAGE_SIZE;
    uint8_t *c = dma_alloc(big, 64, &phys);
    if (KT_EXPECT(c != NULL))
        KT_EXPECT_EQ(virt_to_phys(c + big - 1), phys + big - 1);
    KT_EXPECT(dma_alloc(16, 3, &phys) == NULL);
    KT_EXPECT(dma_alloc((size_t)(PAGE_SIZE << FRAME_MAX_ORDER) + 1, 64, &phys) == NULL);
}
