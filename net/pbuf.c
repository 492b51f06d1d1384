/* SPDX-License-Identifier: MIT */
/* Packet buffer pool (see pbuf.h): a LIFO free list over a fixed array, so allocation
 * never fails for lack of a heap, only for lack of buffers, and that is counted. */
#include "net/pbuf.h"

void pbuf_pool_init(struct pbuf_pool *pool)
{
    pool->free_list = NULL;
    for (size_t i = PBUF_POOL_COUNT; i-- > 0;) {
        pool->bufs[i].next = pool->free_list;
        pool->free_list = &pool->bufs[i];
    }
    pool->free_count = PBUF_POOL_COUNT;
    pool->low_water = PBUF_POOL_COUNT;
    pool->allocs = pool->frees = pool->alloc_failures = 0;
}

struct pbuf *pbuf_alloc(struct pbuf_pool *pool)
{
    struct pbuf *b = pool->free_list;
    if (!b) {
        pool->alloc_failures++;
        return NULL;
    }
    pool->free_list = b->next;
    b->next = NULL;
    b->head = PBUF_HEADROOM;
    b->len = 0;
    pool->free_count--;
    if (pool->free_count < pool->low_water)
        pool->low_water = pool->free_count;
    pool->allocs++;
    return b;
}

void pbuf_free(struct pbuf_pool *pool, struct pbuf *b)
{
    if (!b)
        return;
    b->next = pool->free_list;
    pool->free_list = b;
    pool->free_count++;
    pool->frees++;
}

uint8_t *pbuf_push(struct pbuf *b, size_t n)
{
    if (n > b->head)
        return NULL;
    b->head = (uint16_t)(b->head - n);
    b->len = (uint16_t)(b->len + n);
    return b->data + b->head;
}

uint8_t *pbuf_pull(struct pbuf *b, size_t n)
{
    if (n > b->len)
        return NULL;
    uint8_t *p = b->data + b->head;
    b->head = (uint16_t)(b->head + n);
    b->len = (uint16_t)(b->len - n);
    return p;
}

uint8_t *pbuf_put(struct pbuf *b, size_t n)
{
    if (n > (size_t)PBUF_CAPACITY - b->head - b->len)
        return NULL;
    uint8_t *p = b->data + b->head + b->len;
    b->len = (uint16_t)(b->len + n);
    return p;
}
