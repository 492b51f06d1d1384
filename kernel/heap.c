/* SPDX-License-Identifier: MIT */
/* Slab heap (after Bonwick's slab allocator, USENIX 1994, without object caching): each slab
 * is a naturally aligned block of 1-4 pages holding a 64-byte header and equal slots; a
 * bitmap in the header says which slots are free. Page descriptors outside the slabs map
 * any address back to its slab or page block, which is how foreign pointers are caught.
 * Not done: per-CPU caches, coloring, returning memory under pressure beyond empty slabs. */
#include "kernel/heap.h"

#include "kernel/libc.h"

#define HEAP_SLAB_HEADER 64 /* bytes before the first slot; keeps slots 16-byte aligned */

enum heap_page_kind {
    HEAP_PAGE_NONE = 0,  /* never the heap's */
    HEAP_PAGE_SLAB = 1,  /* part of a slab */
    HEAP_PAGE_LARGE = 2, /* part of a page block */
    HEAP_PAGE_FREED = 3, /* was the heap's, given back to the source */
};

/* In-page header of a slab. free_map bit i set = slot i free. */
struct heap_slab {
    struct heap_slab *next, *prev; /* partial list of its class */
    uint64_t free_map[HEAP_SLAB_MAP_WORDS];
    uint16_t capacity, free_count;
    uint8_t class_index;
    uint8_t order;
};
_Static_assert(sizeof(struct heap_slab) <= HEAP_SLAB_HEADER, "slab header must fit before the first slot");

/* Slab size per class, chosen so at most ~12% of a slab is lost to header and tail. */
static const uint8_t class_slab_order[HEAP_CLASS_COUNT] = { 0, 0, 0, 0, 0, 0, 1, 2 };

static size_t class_size(unsigned index)
{
    return (size_t)HEAP_MIN_CLASS << index;
}

static unsigned class_of(size_t size)
{
    unsigned index = 0;
    while (class_size(index) < size)
        index++;
    return index;
}

static size_t page_index(const struct heap *h, const void *p)
{
    return ((uintptr_t)p - h->window_base) / HEAP_PAGE_SIZE;
}

static bool in_window(const struct heap *h, const void *p)
{
    uintptr_t a = (uintptr_t)p;
    return a >= h->window_base && (a - h->window_base) / HEAP_PAGE_SIZE < h->window_pages;
}

static void *page_address(const struct heap *h, size_t index)
{
    return (void *)(h->window_base + index * HEAP_PAGE_SIZE);
}

static void set_pages(struct heap *h, size_t first, unsigned order, enum heap_page_kind kind)
{
    for (size_t i = 0; i < ((size_t)1 << order); i++)
        h->pages[first + i] = (struct heap_page_desc){ .kind = (uint8_t)kind, .order = (uint8_t)order,
                                                       .head = (uint32_t)first };
}

void heap_setup(struct heap *h, const struct heap_page_source *source, uintptr_t window_base, size_t window_pages,
                struct heap_page_desc *descs)
{
    memset(h, 0, sizeof *h);
    h->source = *source;
    h->window_base = window_base;
    h->window_pages = window_pages;
    h->pages = descs;
    memset(descs, 0, window_pages * sizeof *descs);
}

/* Pages from the source, checked to lie in the window with the promised alignment. */
static void *get_pages(struct heap *h, unsigned order)
{
    void *p = h->source.alloc_pages(h->source.ctx, order);
    if (!p)
        return NULL;
    size_t bytes = (size_t)HEAP_PAGE_SIZE << order;
    if (!in_window(h, p) || !in_window(h, (const char *)p + bytes - 1) || ((uintptr_t)p - h->window_base) % bytes) {
        h->source.free_pages(h->source.ctx, p, order);
        return NULL;
    }
    return p;
}

static void partial_push(struct heap *h, struct heap_slab *s)
{
    s->prev = NULL;
    s->next = h->partial[s->class_index];
    if (s->next)
        s->next->prev = s;
    h->partial[s->class_index] = s;
}

static void partial_remove(struct heap *h, struct heap_slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        h->partial[s->class_index] = s->next;
    if (s->next)
        s->next->prev = s->prev;
}

static struct heap_slab *slab_create(struct heap *h, unsigned index)
{
    unsigned order = class_slab_order[index];
    struct heap_slab *s = get_pages(h, order);
    if (!s)
        return NULL;
    memset(s, 0, sizeof *s);
    s->class_index = (uint8_t)index;
    s->order = (uint8_t)order;
    s->capacity = (uint16_t)((((size_t)HEAP_PAGE_SIZE << order) - HEAP_SLAB_HEADER) / class_size(index));
    s->free_count = s->capacity;
    for (unsigned i = 0; i < s->capacity; i++)
        s->free_map[i / 64] |= 1ull << (i % 64);
    set_pages(h, page_index(h, s), order, HEAP_PAGE_SLAB);
    h->stats.slab_pages += 1ull << order;
    partial_push(h, s);
    return s;
}

static void *slab_alloc(struct heap *h, unsigned index)
{
    struct heap_slab *s = h->partial[index];
    if (!s && !(s = slab_create(h, index)))
        return NULL;
    unsigned word = 0;
    while (s->free_map[word] == 0)
        word++; /* a partial slab has a free slot, so this stops inside the map */
    unsigned slot = word * 64 + (unsigned)__builtin_ctzll(s->free_map[word]);
    s->free_map[word] &= ~(1ull << (slot % 64));
    if (--s->free_count == 0)
        partial_remove(h, s);
    h->stats.bytes_in_use += class_size(index);
    return (char *)s + HEAP_SLAB_HEADER + slot * class_size(index);
}

void *heap_alloc(struct heap *h, size_t size)
{
    void *p;
    if (size <= HEAP_MAX_CLASS) {
        unsigned index = class_of(size ? size : 1);
        p = slab_alloc(h, index);
    } else {
        unsigned order = 0;
        while (order <= HEAP_MAX_ORDER && ((size_t)HEAP_PAGE_SIZE << order) < size)
            order++;
        p = order <= HEAP_MAX_ORDER ? get_pages(h, order) : NULL;
        if (p) {
            set_pages(h, page_index(h, p), order, HEAP_PAGE_LARGE);
            h->stats.large_pages += 1ull << order;
            h->stats.bytes_in_use += (size_t)HEAP_PAGE_SIZE << order;
        }
    }
    if (!p) {
        h->stats.failed_allocs++;
        return NULL;
    }
    h->stats.allocs++;
    return p;
}

/* The slab and slot of p, or an error. */
static int find_slot(const struct heap *h, const void *p, struct heap_slab **slab, unsigned *slot)
{
    const struct heap_page_desc *d = &h->pages[page_index(h, p)];
    struct heap_slab *s = page_address(h, d->head);
    uintptr_t first = (uintptr_t)s + HEAP_SLAB_HEADER, a = (uintptr_t)p;
    size_t size = class_size(s->class_index);
    if (a < first || (a - first) % size != 0 || (a - first) / size >= s->capacity)
        return HEAP_ERR_BAD_POINTER;
    *slab = s;
    *slot = (unsigned)((a - first) / size);
    return HEAP_OK;
}

static int slab_free(struct heap *h, const void *p)
{
    struct heap_slab *s;
    unsigned slot;
    int error = find_slot(h, p, &s, &slot);
    if (error != HEAP_OK)
        return error;
    if (s->free_map[slot / 64] & (1ull << (slot % 64)))
        return HEAP_ERR_DOUBLE_FREE;
    s->free_map[slot / 64] |= 1ull << (slot % 64);
    if (s->free_count++ == 0)
        partial_push(h, s);
    h->stats.bytes_in_use -= class_size(s->class_index);
    /* An empty slab goes back unless it is its class's only partial one (avoids thrashing). */
    if (s->free_count == s->capacity && !(h->partial[s->class_index] == s && s->next == NULL)) {
        partial_remove(h, s);
        set_pages(h, page_index(h, s), s->order, HEAP_PAGE_FREED);
        h->stats.slab_pages -= 1ull << s->order;
        h->source.free_pages(h->source.ctx, s, s->order);
    }
    return HEAP_OK;
}

static int large_free(struct heap *h, void *p)
{
    size_t index = page_index(h, p);
    const struct heap_page_desc *d = &h->pages[index];
    if ((uintptr_t)p % HEAP_PAGE_SIZE != 0 || d->head != index)
        return HEAP_ERR_BAD_POINTER;
    unsigned order = d->order;
    set_pages(h, index, order, HEAP_PAGE_FREED);
    h->stats.large_pages -= 1ull << order;
    h->stats.bytes_in_use -= (size_t)HEAP_PAGE_SIZE << order;
    h->source.free_pages(h->source.ctx, p, order);
    return HEAP_OK;
}

int heap_free(struct heap *h, void *p)
{
    if (!p)
        return HEAP_OK;
    int error;
    if (!in_window(h, p))
        error = HEAP_ERR_FOREIGN;
    else {
        switch (h->pages[page_index(h, p)].kind) {
        case HEAP_PAGE_SLAB: error = slab_free(h, p); break;
        case HEAP_PAGE_LARGE: error = large_free(h, p); break;
        case HEAP_PAGE_FREED: error = HEAP_ERR_DOUBLE_FREE; break;
        default: error = HEAP_ERR_FOREIGN; break;
        }
    }
    if (error == HEAP_OK)
        h->stats.frees++;
    else
        h->stats.bad_frees++;
    return error;
}

size_t heap_block_size(const struct heap *h, const void *p)
{
    if (!p || !in_window(h, p))
        return 0;
    const struct heap_page_desc *d = &h->pages[page_index(h, p)];
    if (d->kind == HEAP_PAGE_LARGE)
        return (uintptr_t)p % HEAP_PAGE_SIZE == 0 && d->head == page_index(h, p) ? (size_t)HEAP_PAGE_SIZE << d->order
                                                                                 : 0;
    struct heap_slab *s;
    unsigned slot;
    if (d->kind != HEAP_PAGE_SLAB || find_slot(h, p, &s, &slot) != HEAP_OK ||
        (s->free_map[slot / 64] & (1ull << (slot % 64))))
        return 0;
    return class_size(s->class_index);
}

const char *heap_strerror(int error)
{
    switch (error) {
    case HEAP_OK: return "ok";
    case HEAP_ERR_FOREIGN: return "pointer the heap never gave out";
    case HEAP_ERR_DOUBLE_FREE: return "double free";
    case HEAP_ERR_BAD_POINTER: return "pointer inside a heap block, not its start";
    default: return "unknown heap error";
    }
}
