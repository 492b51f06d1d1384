/* SPDX-License-Identifier: MIT */
/* Buddy frame allocator (Knuth, TAOCP vol. 1 section 2.5). Free blocks of each order sit on
 * a doubly linked list threaded through the metadata (never through the free frames, so a
 * stray write into a free frame cannot corrupt the allocator). Every frame records whether
 * it is reserved, free or allocated; a block's first frame also records the block order.
 * That is what makes double frees and frees of foreign addresses detectable. */
#include "kernel/frame_alloc.h"

#include "kernel/format.h"
#include "kernel/libc.h"

#define FRAME_NONE UINT32_MAX /* end of a free list */

enum frame_state { FRAME_STATE_RESERVED = 0, FRAME_STATE_FREE = 1, FRAME_STATE_USED = 2 };

/* Invariants: a free block has all its frames FRAME_STATE_FREE, head set on its first frame
 * only, and is on free_head[order]; an allocated block has all frames FRAME_STATE_USED and
 * head set on its first frame only. */
struct frame_meta {
    uint32_t next, prev; /* free-list links (entry indexes), valid on free block heads */
    uint8_t state;       /* enum frame_state */
    uint8_t order;       /* block order, valid on heads */
    uint8_t head;        /* first frame of a free or allocated block */
    uint8_t pad;
};

static struct frame_meta *meta_array(const struct frame_pool *pool)
{
    return (struct frame_meta *)(pool->window + (uintptr_t)pool->meta_phys);
}

static struct frame_meta *meta_of(const struct frame_pool *pool, uint64_t pfn)
{
    return &meta_array(pool)[pfn - pool->base_pfn];
}

static bool pfn_managed(const struct frame_pool *pool, uint64_t pfn)
{
    return pfn >= pool->base_pfn && pfn - pool->base_pfn < pool->frame_count;
}

static void list_push(struct frame_pool *pool, uint64_t pfn, unsigned order)
{
    struct frame_meta *m = meta_of(pool, pfn);
    uint32_t index = (uint32_t)(pfn - pool->base_pfn);
    m->prev = FRAME_NONE;
    m->next = pool->free_head[order];
    if (m->next != FRAME_NONE)
        meta_array(pool)[m->next].prev = index;
    pool->free_head[order] = index;
}

static void list_remove(struct frame_pool *pool, uint64_t pfn, unsigned order)
{
    struct frame_meta *all = meta_array(pool), *m = meta_of(pool, pfn);
    if (m->prev != FRAME_NONE)
        all[m->prev].next = m->next;
    else
        pool->free_head[order] = m->next;
    if (m->next != FRAME_NONE)
        all[m->next].prev = m->prev;
}

static void mark_block(struct frame_pool *pool, uint64_t pfn, unsigned order, enum frame_state state)
{
    struct frame_meta *m = meta_of(pool, pfn);
    for (uint64_t i = 0; i < (1ull << order); i++)
        m[i].state = (uint8_t)state;
}

/* Puts the block [pfn, pfn + 2^order) on the free lists, merging it with free buddies. */
static void free_block(struct frame_pool *pool, uint64_t pfn, unsigned order)
{
    mark_block(pool, pfn, order, FRAME_STATE_FREE);
    while (order < FRAME_MAX_ORDER) {
        uint64_t buddy = pfn ^ (1ull << order);
        if (!pfn_managed(pool, buddy) || !pfn_managed(pool, buddy + (1ull << order) - 1))
            break;
        struct frame_meta *b = meta_of(pool, buddy);
        if (b->state != FRAME_STATE_FREE || !b->head || b->order != order)
            break;
        list_remove(pool, buddy, order);
        b->head = 0;
        pfn = pfn < buddy ? pfn : buddy;
        order++;
    }
    struct frame_meta *m = meta_of(pool, pfn);
    m->head = 1;
    m->order = (uint8_t)order;
    list_push(pool, pfn, order);
}

/* Adds the frames [first, end) as free, in the largest aligned blocks that fit. */
static void add_free_range(struct frame_pool *pool, uint64_t first, uint64_t end)
{
    while (first < end) {
        unsigned order = 0;
        while (order < FRAME_MAX_ORDER && (first & ((2ull << order) - 1)) == 0 && first + (2ull << order) <= end)
            order++;
        free_block(pool, first, order);
        pool->free_frames += 1ull << order;
        pool->total_frames += 1ull << order;
        first += 1ull << order;
    }
}

/* The usable part of a region in whole frames below FRAME_MAX_PHYS; false if none. */
static bool region_frames(const struct boot_memory_region *r, uint64_t *first, uint64_t *end)
{
    if (r->type != BOOT_MEMORY_USABLE || r->length == 0 || r->base >= FRAME_MAX_PHYS)
        return false;
    uint64_t limit = r->length > FRAME_MAX_PHYS - r->base ? FRAME_MAX_PHYS : r->base + r->length;
    *first = (r->base + FRAME_SIZE - 1) >> FRAME_SHIFT;
    *end = limit >> FRAME_SHIFT;
    return *first < *end;
}

/* The reserved range (in frames, rounded outward) that contains pfn; false if none. */
static bool find_reserved(const struct frame_range *ranges, size_t count, uint64_t pfn, uint64_t *end_pfn)
{
    for (size_t i = 0; i < count; i++) {
        uint64_t first = ranges[i].start >> FRAME_SHIFT;
        uint64_t end = (ranges[i].end + FRAME_SIZE - 1) >> FRAME_SHIFT;
        if (ranges[i].end > ranges[i].start && pfn >= first && pfn < end) {
            *end_pfn = end;
            return true;
        }
    }
    return false;
}

/* First reserved frame at or after pfn (UINT64_MAX if none). */
static uint64_t next_reserved(const struct frame_range *ranges, size_t count, uint64_t pfn)
{
    uint64_t best = UINT64_MAX;
    for (size_t i = 0; i < count; i++) {
        uint64_t first = ranges[i].start >> FRAME_SHIFT;
        if (ranges[i].end > ranges[i].start && first >= pfn && first < best)
            best = first;
    }
    return best;
}

/* Finds meta_frames free frames for the metadata inside one usable region. */
static bool place_metadata(const struct boot_memory_region *regions, size_t region_count,
                           const struct frame_range *ranges, size_t count, uint64_t meta_frames, uint64_t *out_pfn)
{
    for (size_t i = 0; i < region_count; i++) {
        uint64_t pfn, end;
        if (!region_frames(&regions[i], &pfn, &end))
            continue;
        while (pfn < end) {
            uint64_t skip;
            if (find_reserved(ranges, count, pfn, &skip)) {
                pfn = skip;
                continue;
            }
            uint64_t run_end = next_reserved(ranges, count, pfn);
            if (run_end > end)
                run_end = end;
            if (run_end - pfn >= meta_frames) {
                *out_pfn = pfn;
                return true;
            }
            pfn = run_end;
        }
    }
    return false;
}

int frame_pool_init(struct frame_pool *pool, const struct boot_memory_region *regions, size_t region_count,
                    const struct frame_range *reserved, size_t reserved_count, uintptr_t window, char *err,
                    size_t err_size)
{
    struct frame_range ranges[FRAME_MAX_RESERVED_RANGES + 1];
    size_t count = 0;
    memset(pool, 0, sizeof *pool);
    pool->window = window;
    for (unsigned o = 0; o <= FRAME_MAX_ORDER; o++)
        pool->free_head[o] = FRAME_NONE;

    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < region_count; i++) {
        uint64_t first, end;
        if (regions[i].type != BOOT_MEMORY_USABLE) {
            if (count >= FRAME_MAX_RESERVED_RANGES)
                goto too_many;
            ranges[count++] = (struct frame_range){ regions[i].base, regions[i].base + regions[i].length };
            continue;
        }
        if (regions[i].base + regions[i].length > FRAME_MAX_PHYS)
            pool->ignored_bytes += regions[i].base >= FRAME_MAX_PHYS
                                       ? regions[i].length
                                       : regions[i].base + regions[i].length - FRAME_MAX_PHYS;
        if (!region_frames(&regions[i], &first, &end))
            continue;
        lo = first < lo ? first : lo;
        hi = end > hi ? end : hi;
    }
    for (size_t i = 0; i < reserved_count; i++) {
        if (count >= FRAME_MAX_RESERVED_RANGES)
            goto too_many;
        ranges[count++] = reserved[i];
    }
    if (lo >= hi) {
        fmt_snprintf(err, err_size, "the memory map has no usable frame");
        return FRAME_ERR_BAD_MAP;
    }
    if (hi - lo >= FRAME_NONE) {
        fmt_snprintf(err, err_size, "usable RAM spans too many frames (%llu)", (unsigned long long)(hi - lo));
        return FRAME_ERR_BAD_MAP;
    }

    uint64_t meta_bytes = (hi - lo) * sizeof(struct frame_meta);
    uint64_t meta_frames = (meta_bytes + FRAME_SIZE - 1) >> FRAME_SHIFT, meta_pfn;
    if (!place_metadata(regions, region_count, ranges, count, meta_frames, &meta_pfn)) {
        fmt_snprintf(err, err_size, "no usable region holds the %llu KiB of frame metadata",
                     (unsigned long long)(meta_bytes >> 10));
        return FRAME_ERR_BAD_MAP;
    }
    ranges[count++] = (struct frame_range){ meta_pfn << FRAME_SHIFT, (meta_pfn + meta_frames) << FRAME_SHIFT };
    pool->meta_phys = meta_pfn << FRAME_SHIFT;
    pool->meta_bytes = meta_bytes;
    pool->base_pfn = lo;
    pool->frame_count = hi - lo;
    memset(meta_array(pool), 0, meta_bytes); /* every frame FRAME_STATE_RESERVED */

    for (size_t i = 0; i < region_count; i++) {
        uint64_t pfn, end;
        if (!region_frames(&regions[i], &pfn, &end))
            continue;
        while (pfn < end) {
            uint64_t skip;
            if (find_reserved(ranges, count, pfn, &skip)) {
                pfn = skip;
                continue;
            }
            if (meta_of(pool, pfn)->state != FRAME_STATE_RESERVED) {
                pfn++; /* overlapping usable regions: already added */
                continue;
            }
            uint64_t run_end = next_reserved(ranges, count, pfn);
            if (run_end > end)
                run_end = end;
            uint64_t stop = pfn;
            while (stop < run_end && meta_of(pool, stop)->state == FRAME_STATE_RESERVED)
                stop++;
            if (pfn == 0)
                pfn = 1; /* physical 0 is the "exhausted" value */
            add_free_range(pool, pfn, stop);
            pfn = stop;
        }
    }
    return FRAME_OK;

too_many:
    fmt_snprintf(err, err_size, "more than %d reserved ranges", FRAME_MAX_RESERVED_RANGES);
    return FRAME_ERR_BAD_MAP;
}

int frame_pool_init_boot(struct frame_pool *pool, const struct boot_info *info, struct frame_range kernel_image,
                         uintptr_t window, char *err, size_t err_size)
{
    struct frame_range reserved[3 + BOOT_MAX_MODULES];
    size_t count = 0;
    reserved[count++] = (struct frame_range){ 0, FRAME_LOW_RESERVED };
    reserved[count++] = kernel_image;
    reserved[count++] = (struct frame_range){ info->mbi_phys, (uint64_t)info->mbi_phys + FRAME_SIZE };
    for (size_t i = 0; i < info->module_count && i < BOOT_MAX_MODULES; i++)
        reserved[count++] = (struct frame_range){ info->modules[i].start, info->modules[i].end };
    return frame_pool_init(pool, info->regions, info->region_count, reserved, count, window, err, err_size);
}

void frame_pool_set_window(struct frame_pool *pool, uintptr_t window)
{
    pool->window = window;
}

/* Takes the free block of order o at pfn off its list, returns its first 2^order frames
 * as allocated and puts the upper halves split off on their lists. */
static uint64_t take_block(struct frame_pool *pool, uint64_t pfn, unsigned o, unsigned order)
{
    list_remove(pool, pfn, o);
    while (o > order) {
        o--;
        uint64_t upper = pfn + (1ull << o);
        struct frame_meta *u = meta_of(pool, upper);
        u->head = 1;
        u->order = (uint8_t)o;
        list_push(pool, upper, o);
    }
    mark_block(pool, pfn, order, FRAME_STATE_USED);
    struct frame_meta *m = meta_of(pool, pfn);
    m->head = 1;
    m->order = (uint8_t)order;
    pool->free_frames -= 1ull << order;
    return pfn << FRAME_SHIFT;
}

uint64_t frame_pool_alloc(struct frame_pool *pool, unsigned order)
{
    if (order > FRAME_MAX_ORDER)
        return 0;
    for (unsigned o = order; o <= FRAME_MAX_ORDER; o++)
        if (pool->free_head[o] != FRAME_NONE)
            return take_block(pool, pool->base_pfn + pool->free_head[o], o, order);
    return 0;
}

uint64_t frame_pool_alloc_below(struct frame_pool *pool, unsigned order, uint64_t limit)
{
    if (order > FRAME_MAX_ORDER)
        return 0;
    for (unsigned o = order; o <= FRAME_MAX_ORDER; o++) {
        for (uint32_t i = pool->free_head[o]; i != FRAME_NONE; i = meta_array(pool)[i].next) {
            uint64_t pfn = pool->base_pfn + i;
            if (((pfn + (1ull << order)) << FRAME_SHIFT) <= limit)
                return take_block(pool, pfn, o, order); /* the lower part is kept: below limit */
        }
    }
    return 0;
}

static int check_free(const struct frame_pool *pool, uint64_t phys, unsigned order)
{
    if (order > FRAME_MAX_ORDER)
        return FRAME_ERR_BAD_ORDER;
    if (phys & ((FRAME_SIZE << order) - 1))
        return FRAME_ERR_UNALIGNED;
    uint64_t pfn = phys >> FRAME_SHIFT;
    if (!pfn_managed(pool, pfn))
        return FRAME_ERR_OUTSIDE;
    const struct frame_meta *m = meta_of(pool, pfn);
    if (m->state == FRAME_STATE_RESERVED)
        return FRAME_ERR_RESERVED;
    if (m->state == FRAME_STATE_FREE)
        return FRAME_ERR_DOUBLE_FREE;
    if (!m->head)
        return FRAME_ERR_NOT_BLOCK_START;
    if (m->order != order)
        return FRAME_ERR_WRONG_ORDER;
    return FRAME_OK;
}

int frame_pool_free(struct frame_pool *pool, uint64_t phys, unsigned order)
{
    int error = check_free(pool, phys, order);
    if (error != FRAME_OK) {
        pool->bad_frees++;
        return error;
    }
    uint64_t pfn = phys >> FRAME_SHIFT;
    meta_of(pool, pfn)->head = 0;
    free_block(pool, pfn, order);
    pool->free_frames += 1ull << order;
    return FRAME_OK;
}

bool frame_pool_is_allocated(const struct frame_pool *pool, uint64_t phys)
{
    uint64_t pfn = phys >> FRAME_SHIFT;
    return pfn_managed(pool, pfn) && meta_of(pool, pfn)->state == FRAME_STATE_USED;
}

const char *frame_strerror(int error)
{
    switch (error) {
    case FRAME_OK: return "ok";
    case FRAME_ERR_OUTSIDE: return "address outside the frame pool";
    case FRAME_ERR_UNALIGNED: return "address not aligned to the block";
    case FRAME_ERR_RESERVED: return "frame is reserved, never allocated";
    case FRAME_ERR_DOUBLE_FREE: return "double free";
    case FRAME_ERR_NOT_BLOCK_START: return "address inside an allocated block, not its start";
    case FRAME_ERR_WRONG_ORDER: return "block was allocated with another order";
    case FRAME_ERR_BAD_ORDER: return "order above FRAME_MAX_ORDER";
    case FRAME_ERR_BAD_MAP: return "memory map refused";
    default: return "unknown frame error";
    }
}
