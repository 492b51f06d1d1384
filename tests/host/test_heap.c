/* SPDX-License-Identifier: MIT */
/* Host tests of the slab heap (kernel/heap.c), fed with pages by the buddy frame pool over
 * a fake physical memory, as in the kernel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/frame_alloc.h"
#include "kernel/heap.h"
#include "tests/host/check.h"

struct fake_machine {
    uint8_t *ram;
    uint64_t ram_bytes;
    struct frame_pool pool;
    struct heap heap;
    struct heap_page_desc *descs;
};

static void *fake_alloc_pages(void *ctx, unsigned order)
{
    struct fake_machine *m = ctx;
    uint64_t phys = frame_pool_alloc(&m->pool, order);
    return phys ? m->ram + phys : NULL;
}

static void fake_free_pages(void *ctx, void *pages, unsigned order)
{
    struct fake_machine *m = ctx;
    CHECK_EQ(frame_pool_free(&m->pool, (uint64_t)((uint8_t *)pages - m->ram), order), FRAME_OK);
}

static void machine_start(struct fake_machine *m, uint64_t ram_bytes)
{
    char err[128];
    m->ram_bytes = ram_bytes;
    m->ram = aligned_alloc(FRAME_SIZE, ram_bytes);
    struct boot_memory_region region = { FRAME_SIZE, ram_bytes - FRAME_SIZE, BOOT_MEMORY_USABLE };
    CHECK_EQ(frame_pool_init(&m->pool, &region, 1, NULL, 0, (uintptr_t)m->ram, err, sizeof err), FRAME_OK);
    struct heap_page_source source = { m, fake_alloc_pages, fake_free_pages };
    m->descs = calloc(ram_bytes / FRAME_SIZE, sizeof *m->descs);
    heap_setup(&m->heap, &source, (uintptr_t)m->ram, ram_bytes / FRAME_SIZE, m->descs);
}

static void machine_stop(struct fake_machine *m)
{
    free(m->descs);
    free(m->ram);
}

TEST(heap_alignment_and_sizes)
{
    struct fake_machine m;
    machine_start(&m, 32ull << 20);
    static const size_t sizes[] = { 0, 1, 15, 16, 17, 100, 512, 1000, 2047, 2048, 2049, 4095, 4096, 4097, 10000, 65536,
                                    1u << 22 };
    void *blocks[sizeof sizes / sizeof sizes[0]];
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        blocks[i] = heap_alloc(&m.heap, sizes[i]);
        CHECK(blocks[i] != NULL);
        CHECK_EQ((uintptr_t)blocks[i] % 16, 0);
        if (sizes[i] >= HEAP_PAGE_SIZE)
            CHECK_EQ((uintptr_t)blocks[i] % HEAP_PAGE_SIZE, 0);
        CHECK(heap_block_size(&m.heap, blocks[i]) >= (sizes[i] ? sizes[i] : 1));
        memset(blocks[i], 0xab, sizes[i]);
    }
    CHECK(heap_alloc(&m.heap, (size_t)HEAP_PAGE_SIZE << (HEAP_MAX_ORDER + 1)) == NULL);
    CHECK_EQ(m.heap.stats.failed_allocs, 1);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        CHECK_EQ(heap_free(&m.heap, blocks[i]), HEAP_OK);
    CHECK_EQ(m.heap.stats.bytes_in_use, 0);
    CHECK_EQ(m.heap.stats.large_pages, 0);
    machine_stop(&m);
}

TEST(heap_exhaustion_returns_null_and_recovers)
{
    struct fake_machine m;
    machine_start(&m, 1ull << 20);
    uint64_t free_at_start = m.pool.free_frames;
    enum { MAX_BLOCKS = 4096 };
    void **blocks = calloc(MAX_BLOCKS, sizeof *blocks);
    size_t n = 0;
    while (n < MAX_BLOCKS && (blocks[n] = heap_alloc(&m.heap, 1000)) != NULL)
        n++;
    CHECK(n > 100 && n < MAX_BLOCKS);
    CHECK_EQ(m.pool.free_frames, 0);
    CHECK(heap_alloc(&m.heap, 16) == NULL || m.pool.free_frames == 0);
    CHECK(heap_alloc(&m.heap, 8192) == NULL);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ(heap_free(&m.heap, blocks[i]), HEAP_OK);
    /* everything came back except at most one cached empty slab per class */
    CHECK_EQ(m.pool.free_frames + m.heap.stats.slab_pages, free_at_start);
    CHECK(m.heap.stats.slab_pages <= 4 * HEAP_CLASS_COUNT);
    CHECK(heap_alloc(&m.heap, 8192) != NULL);
    free(blocks);
    machine_stop(&m);
}

TEST(heap_detects_double_and_foreign_frees)
{
    struct fake_machine m;
    machine_start(&m, 4ull << 20);
    char *small = heap_alloc(&m.heap, 64), *other = heap_alloc(&m.heap, 64);
    char *large = heap_alloc(&m.heap, 3 * HEAP_PAGE_SIZE);
    int on_stack = 0;
    void *host = malloc(32);
    CHECK_EQ(heap_free(&m.heap, &on_stack), HEAP_ERR_FOREIGN);
    CHECK_EQ(heap_free(&m.heap, host), HEAP_ERR_FOREIGN);
    CHECK_EQ(heap_free(&m.heap, m.ram + 0x80000), HEAP_ERR_FOREIGN); /* a frame the heap never had */
    CHECK_EQ(heap_free(&m.heap, small + 16), HEAP_ERR_BAD_POINTER);
    CHECK_EQ(heap_free(&m.heap, small + 8), HEAP_ERR_BAD_POINTER);
    CHECK_EQ(heap_free(&m.heap, large + 16), HEAP_ERR_BAD_POINTER);
    CHECK_EQ(heap_free(&m.heap, large + HEAP_PAGE_SIZE), HEAP_ERR_BAD_POINTER);
    CHECK_EQ(heap_free(&m.heap, (char *)((uintptr_t)small & ~(uintptr_t)(HEAP_PAGE_SIZE - 1))),
             HEAP_ERR_BAD_POINTER); /* the slab header */
    CHECK_EQ(heap_free(&m.heap, small), HEAP_OK);
    CHECK_EQ(heap_free(&m.heap, small), HEAP_ERR_DOUBLE_FREE);
    CHECK_EQ(heap_block_size(&m.heap, small), 0);
    CHECK_EQ(heap_free(&m.heap, large), HEAP_OK);
    CHECK_EQ(heap_free(&m.heap, large), HEAP_ERR_DOUBLE_FREE);
    CHECK_EQ(heap_free(&m.heap, other), HEAP_OK);
    CHECK_EQ(heap_free(&m.heap, NULL), HEAP_OK);
    CHECK_EQ(m.heap.stats.bad_frees, 10);
    CHECK(strcmp(heap_strerror(HEAP_ERR_DOUBLE_FREE), "double free") == 0);
    free(host);
    machine_stop(&m);
}

TEST(heap_double_free_after_slab_returned)
{
    struct fake_machine m;
    machine_start(&m, 4ull << 20);
    enum { PER_SLAB = (4096 - 64) / 512 };
    void *a[2 * PER_SLAB];
    for (int i = 0; i < 2 * PER_SLAB; i++)
        a[i] = heap_alloc(&m.heap, 512);
    for (int i = 0; i < 2 * PER_SLAB; i++)
        CHECK_EQ(heap_free(&m.heap, a[i]), HEAP_OK);
    /* the first slab went back to the pool; its pointers still count as double frees */
    CHECK_EQ(heap_free(&m.heap, a[0]), HEAP_ERR_DOUBLE_FREE);
    CHECK_EQ(heap_free(&m.heap, a[2 * PER_SLAB - 1]), HEAP_ERR_DOUBLE_FREE);
    machine_stop(&m);
}

/* Random allocations and frees against a shadow model: every live block is filled with
 * its own byte and checked before it is freed, so any overlap shows up. */
TEST(heap_random_stress_with_shadow_model)
{
    struct fake_machine m;
    machine_start(&m, 64ull << 20);
    uint64_t free_at_start = m.pool.free_frames;
    enum { SLOTS = 1000 };
    struct { uint8_t *p; size_t size; uint8_t fill; } live[SLOTS];
    memset(live, 0, sizeof live);
    srand(4242);
    for (int step = 0; step < 100000; step++) {
        int i = rand() % SLOTS;
        if (live[i].p) {
            bool intact = true;
            for (size_t k = 0; k < live[i].size; k++)
                intact &= live[i].p[k] == live[i].fill;
            CHECK(intact);
            CHECK_EQ(heap_free(&m.heap, live[i].p), HEAP_OK);
            live[i].p = NULL;
            continue;
        }
        size_t size = rand() % 8 == 0 ? (size_t)(rand() % 20000) : (size_t)(rand() % 2100);
        live[i].p = heap_alloc(&m.heap, size);
        if (!CHECK(live[i].p != NULL))
            break;
        CHECK_EQ((uintptr_t)live[i].p % 16, 0);
        live[i].size = size;
        live[i].fill = (uint8_t)(step | 1);
        memset(live[i].p, live[i].fill, size);
    }
    for (int i = 0; i < SLOTS; i++)
        if (live[i].p)
            CHECK_EQ(heap_free(&m.heap, live[i].p), HEAP_OK);
    CHECK_EQ(m.heap.stats.bytes_in_use, 0);
    CHECK_EQ(m.heap.stats.bad_frees, 0);
    CHECK_EQ(m.pool.free_frames + m.heap.stats.slab_pages, free_at_start);
    machine_stop(&m);
}
