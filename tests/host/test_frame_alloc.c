/* SPDX-License-Identifier: MIT */
/* Host tests of the buddy frame pool (kernel/frame_alloc.c) over a fake physical memory:
 * a host buffer whose start plays physical address 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/frame_alloc.h"
#include "tests/host/check.h"

#define FAKE_RAM_BYTES (16ull << 20)
#define FAKE_LOW_END 0x9f000ull /* a PC-like map: low RAM, a hole, then RAM from 1 MiB */
#define FAKE_HIGH_START 0x100000ull

static uint8_t *fake_ram(void)
{
    uint8_t *ram = aligned_alloc(FRAME_SIZE, FAKE_RAM_BYTES);
    memset(ram, 0x5a, FAKE_RAM_BYTES);
    return ram;
}

static void fake_boot_info(struct boot_info *info)
{
    memset(info, 0, sizeof *info);
    info->region_count = 3;
    info->regions[0] = (struct boot_memory_region){ 0, FAKE_LOW_END, BOOT_MEMORY_USABLE };
    info->regions[1] = (struct boot_memory_region){ FAKE_LOW_END, FAKE_HIGH_START - FAKE_LOW_END, BOOT_MEMORY_RESERVED };
    info->regions[2] = (struct boot_memory_region){ FAKE_HIGH_START, FAKE_RAM_BYTES - FAKE_HIGH_START,
                                                    BOOT_MEMORY_USABLE };
    info->mbi_phys = 0x9500;
    info->module_count = 2;
    info->modules[0] = (struct boot_module){ .start = 0x400000, .end = 0x412345 };
    info->modules[1] = (struct boot_module){ .start = 0x500800, .end = 0x500900 };
}

static const struct frame_range fake_kernel = { 0x100000, 0x180000 };

static bool overlaps(uint64_t a, uint64_t len, uint64_t start, uint64_t end)
{
    return a < end && start < a + len;
}

TEST(frame_pool_init_counts_and_reserves)
{
    uint8_t *ram = fake_ram();
    struct boot_info info;
    struct frame_pool pool;
    char err[128];
    fake_boot_info(&info);
    CHECK_EQ(frame_pool_init_boot(&pool, &info, fake_kernel, (uintptr_t)ram, err, sizeof err), FRAME_OK);
    uint64_t meta_frames = (pool.meta_bytes + FRAME_SIZE - 1) / FRAME_SIZE;
    CHECK(pool.meta_bytes >= pool.frame_count * 8);
    uint64_t expected = (FAKE_RAM_BYTES - FAKE_HIGH_START) / FRAME_SIZE - 0x80 /* kernel */ - 0x13 /* module 0 */
                        - 1 /* module 1 */ - meta_frames;
    CHECK_EQ(pool.total_frames, expected);
    CHECK_EQ(pool.free_frames, expected);
    CHECK(pool.meta_phys >= 0x180000);
    free(ram);
}

TEST(frame_pool_exhaustion_and_reserved_never_given)
{
    uint8_t *ram = fake_ram();
    struct boot_info info;
    struct frame_pool pool;
    char err[128];
    fake_boot_info(&info);
    CHECK_EQ(frame_pool_init_boot(&pool, &info, fake_kernel, (uintptr_t)ram, err, sizeof err), FRAME_OK);
    uint64_t total = pool.free_frames;
    uint64_t *got = calloc(total, sizeof *got);
    uint64_t n = 0;
    for (uint64_t phys; (phys = frame_pool_alloc(&pool, 0)) != 0; n++) {
        if (n >= total)
            break;
        got[n] = phys;
        CHECK(phys % FRAME_SIZE == 0);
        CHECK(!overlaps(phys, FRAME_SIZE, 0, FRAME_LOW_RESERVED));
        CHECK(!overlaps(phys, FRAME_SIZE, fake_kernel.start, fake_kernel.end));
        CHECK(!overlaps(phys, FRAME_SIZE, info.modules[0].start, info.modules[0].end));
        CHECK(!overlaps(phys, FRAME_SIZE, info.modules[1].start, info.modules[1].end));
        CHECK(!overlaps(phys, FRAME_SIZE, pool.meta_phys, pool.meta_phys + pool.meta_bytes));
        CHECK(phys + FRAME_SIZE <= FAKE_RAM_BYTES);
        memset(ram + phys, 0xee, FRAME_SIZE); /* scribbling on frames must not hurt the pool */
    }
    CHECK_EQ(n, total);
    CHECK_EQ(pool.free_frames, 0);
    CHECK_EQ(frame_pool_alloc(&pool, 0), 0);
    CHECK_EQ(frame_pool_alloc(&pool, 3), 0);
    for (uint64_t i = 0; i < n; i++)
        CHECK_EQ(frame_pool_free(&pool, got[i], 0), FRAME_OK);
    CHECK_EQ(pool.free_frames, total);
    CHECK_EQ(pool.bad_frees, 0);
    free(got);
    free(ram);
}

TEST(frame_pool_alignment_of_every_order)
{
    uint8_t *ram = fake_ram();
    struct boot_info info;
    struct frame_pool pool;
    char err[128];
    fake_boot_info(&info);
    CHECK_EQ(frame_pool_init_boot(&pool, &info, fake_kernel, (uintptr_t)ram, err, sizeof err), FRAME_OK);
    uint64_t blocks[FRAME_MAX_ORDER + 1];
    for (unsigned order = 0; order <= FRAME_MAX_ORDER; order++) {
        blocks[order] = frame_pool_alloc(&pool, order);
        CHECK(blocks[order] != 0);
        CHECK_EQ(blocks[order] % (FRAME_SIZE << order), 0);
        CHECK(frame_pool_is_allocated(&pool, blocks[order]));
        CHECK(frame_pool_is_allocated(&pool, blocks[order] + (FRAME_SIZE << order) - FRAME_SIZE));
    }
    CHECK_EQ(frame_pool_alloc(&pool, FRAME_MAX_ORDER + 1), 0);
    for (unsigned order = 0; order <= FRAME_MAX_ORDER; order++)
        CHECK_EQ(frame_pool_free(&pool, blocks[order], order), FRAME_OK);
    CHECK_EQ(pool.free_frames, pool.total_frames);
    free(ram);
}

TEST(frame_pool_detects_bad_frees)
{
    uint8_t *ram = fake_ram();
    struct boot_info info;
    struct frame_pool pool;
    char err[128];
    fake_boot_info(&info);
    CHECK_EQ(frame_pool_init_boot(&pool, &info, fake_kernel, (uintptr_t)ram, err, sizeof err), FRAME_OK);
    uint64_t one = frame_pool_alloc(&pool, 0), four = frame_pool_alloc(&pool, 2);
    uint64_t free_before = pool.free_frames;
    CHECK_EQ(frame_pool_free(&pool, one + 8, 0), FRAME_ERR_UNALIGNED);
    CHECK_EQ(frame_pool_free(&pool, four + FRAME_SIZE, 0), FRAME_ERR_NOT_BLOCK_START);
    CHECK_EQ(frame_pool_free(&pool, four, 1), FRAME_ERR_WRONG_ORDER);
    CHECK_EQ(frame_pool_free(&pool, four, FRAME_MAX_ORDER + 1), FRAME_ERR_BAD_ORDER);
    CHECK_EQ(frame_pool_free(&pool, fake_kernel.start, 0), FRAME_ERR_RESERVED);
    CHECK_EQ(frame_pool_free(&pool, pool.meta_phys, 0), FRAME_ERR_RESERVED);
    CHECK_EQ(frame_pool_free(&pool, 0xa0000, 0), FRAME_ERR_RESERVED);
    CHECK_EQ(frame_pool_free(&pool, FAKE_RAM_BYTES + FRAME_SIZE, 0), FRAME_ERR_OUTSIDE);
    CHECK_EQ(frame_pool_free(&pool, 1ull << 50, 0), FRAME_ERR_OUTSIDE);
    CHECK_EQ(pool.free_frames, free_before);
    CHECK_EQ(frame_pool_free(&pool, one, 0), FRAME_OK);
    CHECK_EQ(frame_pool_free(&pool, one, 0), FRAME_ERR_DOUBLE_FREE);
    CHECK_EQ(frame_pool_free(&pool, four, 2), FRAME_OK);
    CHECK_EQ(frame_pool_free(&pool, four, 2), FRAME_ERR_DOUBLE_FREE);
    CHECK_EQ(frame_pool_free(&pool, four + FRAME_SIZE, 0), FRAME_ERR_DOUBLE_FREE);
    CHECK_EQ(pool.bad_frees, 12);
    CHECK_EQ(pool.free_frames, pool.total_frames);
    CHECK(strcmp(frame_strerror(FRAME_ERR_DOUBLE_FREE), "double free") == 0);
    free(ram);
}

/* Counts how many blocks of the largest order can be allocated, then gives them back. */
static uint64_t count_max_blocks(struct frame_pool *pool)
{
    uint64_t blocks[64], n = 0;
    while (n < 64 && (blocks[n] = frame_pool_alloc(pool, FRAME_MAX_ORDER)) != 0)
        n++;
    for (uint64_t i = 0; i < n; i++)
        frame_pool_free(pool, blocks[i], FRAME_MAX_ORDER);
    return n;
}

TEST(frame_pool_random_use_coalesces_back)
{
    uint8_t *ram = fake_ram();
    struct boot_info info;
    struct frame_pool pool;
    char err[128];
    fake_boot_info(&info);
    CHECK_EQ(frame_pool_init_boot(&pool, &info, fake_kernel, (uintptr_t)ram, err, sizeof err), FRAME_OK);
    uint64_t total = pool.free_frames, max_blocks = count_max_blocks(&pool);
    CHECK(max_blocks >= 2);
    enum { SLOTS = 512 };
    struct { uint64_t phys; unsigned order; } live[SLOTS] = { { 0, 0 } };
    srand(12345);
    for (int step = 0; step < 20000; step++) {
        int i = rand() % SLOTS;
        if (live[i].phys) {
            CHECK_EQ(frame_pool_free(&pool, live[i].phys, live[i].order), FRAME_OK);
            live[i].phys = 0;
        } else {
            unsigned order = (unsigned)(rand() % 5);
            live[i].phys = frame_pool_alloc(&pool, order);
            live[i].order = order;
            if (live[i].phys) {
                CHECK_EQ(live[i].phys % (FRAME_SIZE << order), 0);
                /* no overlap with any other live block */
                for (int j = 0; j < SLOTS; j++)
                    if (j != i && live[j].phys)
                        CHECK(!overlaps(live[i].phys, FRAME_SIZE << order, live[j].phys,
                                        live[j].phys + (FRAME_SIZE << live[j].order)));
            }
        }
    }
    for (int i = 0; i < SLOTS; i++)
        if (live[i].phys)
            CHECK_EQ(frame_pool_free(&pool, live[i].phys, live[i].order), FRAME_OK);
    CHECK_EQ(pool.free_frames, total);
    CHECK_EQ(count_max_blocks(&pool), max_blocks);
    free(ram);
}

TEST(frame_pool_refuses_maps_without_room)
{
    struct frame_pool pool;
    char err[128];
    struct boot_memory_region none[1] = { { 0x100000, 0x100000, BOOT_MEMORY_RESERVED } };
    CHECK_EQ(frame_pool_init(&pool, none, 1, NULL, 0, 0, err, sizeof err), FRAME_ERR_BAD_MAP);
    CHECK(strstr(err, "no usable") != NULL);
    /* usable but all of it reserved: nowhere to put the metadata */
    struct boot_memory_region one[1] = { { 0x100000, 0x100000, BOOT_MEMORY_USABLE } };
    struct frame_range all = { 0, 0x200000 };
    CHECK_EQ(frame_pool_init(&pool, one, 1, &all, 1, 0, err, sizeof err), FRAME_ERR_BAD_MAP);
    CHECK(strstr(err, "metadata") != NULL);
    /* a region above FRAME_MAX_PHYS is counted as ignored, not managed */
    uint8_t *ram = fake_ram();
    struct boot_memory_region two[2] = { { FAKE_HIGH_START, FAKE_RAM_BYTES - FAKE_HIGH_START, BOOT_MEMORY_USABLE },
                                         { FRAME_MAX_PHYS, 1ull << 30, BOOT_MEMORY_USABLE } };
    CHECK_EQ(frame_pool_init(&pool, two, 2, NULL, 0, (uintptr_t)ram, err, sizeof err), FRAME_OK);
    CHECK_EQ(pool.ignored_bytes, 1ull << 30);
    CHECK(pool.total_frames < FAKE_RAM_BYTES / FRAME_SIZE);
    free(ram);
}

TEST(frame_pool_alloc_below_limit)
{
    uint8_t *ram = fake_ram();
    struct boot_info info;
    struct frame_pool pool;
    char err[128];
    fake_boot_info(&info);
    CHECK_EQ(frame_pool_init_boot(&pool, &info, fake_kernel, (uintptr_t)ram, err, sizeof err), FRAME_OK);
    uint64_t total = pool.free_frames;
    for (int i = 0; i < 100; i++) {
        uint64_t phys = frame_pool_alloc_below(&pool, 0, 0x300000);
        CHECK(phys != 0 && phys + FRAME_SIZE <= 0x300000);
    }
    uint64_t big = frame_pool_alloc_below(&pool, 2, 0x800000);
    CHECK(big != 0 && big + 4 * FRAME_SIZE <= 0x800000 && big % (4 * FRAME_SIZE) == 0);
    CHECK_EQ(frame_pool_alloc_below(&pool, 0, FRAME_LOW_RESERVED), 0);
    CHECK_EQ(pool.free_frames, total - 104);
    free(ram);
}

TEST(frame_pool_overlapping_map_entries_and_too_many_ranges)
{
    uint8_t *ram = fake_ram();
    struct frame_pool pool;
    char err[128];
    /* BIOS maps can list RAM twice and overlap it with reserved entries: reserved wins */
    struct boot_memory_region map[3] = { { 0x100000, 0x700000, BOOT_MEMORY_USABLE },
                                         { 0x100000, 0x700000, BOOT_MEMORY_USABLE },
                                         { 0x200000, 0x100000, BOOT_MEMORY_RESERVED } };
    CHECK_EQ(frame_pool_init(&pool, map, 3, NULL, 0, (uintptr_t)ram, err, sizeof err), FRAME_OK);
    uint64_t meta_frames = (pool.meta_bytes + FRAME_SIZE - 1) / FRAME_SIZE;
    CHECK_EQ(pool.total_frames, 0x700 - 0x100 - meta_frames);
    for (uint64_t phys; (phys = frame_pool_alloc(&pool, 0)) != 0;)
        CHECK(!overlaps(phys, FRAME_SIZE, 0x200000, 0x300000) && phys >= 0x100000 && phys < 0x800000);

    static struct frame_range many[FRAME_MAX_RESERVED_RANGES + 1];
    for (size_t i = 0; i <= FRAME_MAX_RESERVED_RANGES; i++)
        many[i] = (struct frame_range){ 0x100000 + i * FRAME_SIZE, 0x100000 + i * FRAME_SIZE + 1 };
    CHECK_EQ(frame_pool_init(&pool, map, 1, many, FRAME_MAX_RESERVED_RANGES, (uintptr_t)ram, err, sizeof err),
             FRAME_OK);
    CHECK_EQ(frame_pool_init(&pool, map, 1, many, FRAME_MAX_RESERVED_RANGES + 1, (uintptr_t)ram, err, sizeof err),
             FRAME_ERR_BAD_MAP);
    CHECK(strstr(err, "reserved ranges") != NULL);
    free(ram);
}
