/* SPDX-License-Identifier: MIT */
/* Packet buffers: fixed-size buffers, each large enough for one 9000-byte-MTU frame plus
 * headroom for the headers pushed in front of a payload, and a pool with counters.
 * No chaining and no reference counts: a buffer has exactly one owner at a time. */
#ifndef NET_PBUF_H
#define NET_PBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net_defs.h"

#define PBUF_HEADROOM 64                                  /* >= Ethernet 14 + IPv4 20 + UDP 8 */
#define PBUF_CAPACITY (PBUF_HEADROOM + NET_MTU_MAX + 64)  /* one jumbo datagram plus slack */
#define PBUF_POOL_COUNT 192                               /* buffers per node (~1.8 MB) */

struct pbuf {
    struct pbuf *next;      /* free list link in the pool; while allocated, the owner's queue link */
    uint16_t head;          /* offset of the first valid byte in data */
    uint16_t len;           /* valid bytes from head; head + len <= PBUF_CAPACITY */
    uint8_t data[PBUF_CAPACITY];
};

struct pbuf_pool {
    struct pbuf *free_list;
    uint32_t free_count;
    uint32_t low_water;       /* smallest free_count seen */
    uint64_t allocs, frees, alloc_failures;
    struct pbuf bufs[PBUF_POOL_COUNT];
};

/* Puts every buffer on the free list. */
void pbuf_pool_init(struct pbuf_pool *pool);
/* Takes a buffer (empty, head = PBUF_HEADROOM) or NULL when the pool is empty (counted). */
struct pbuf *pbuf_alloc(struct pbuf_pool *pool);
/* Returns b (NULL allowed) to the pool. */
void pbuf_free(struct pbuf_pool *pool, struct pbuf *b);
/* Pointer to the valid bytes. */
static inline uint8_t *pbuf_bytes(struct pbuf *b) { return b->data + b->head; }
/* Grows the front by n bytes (a header to fill); NULL if the headroom is too small. */
uint8_t *pbuf_push(struct pbuf *b, size_t n);
/* Removes n bytes from the front; returns the removed bytes, NULL if len < n. */
uint8_t *pbuf_pull(struct pbuf *b, size_t n);
/* Grows the tail by n bytes; returns where they start, NULL if capacity is exceeded. */
uint8_t *pbuf_put(struct pbuf *b, size_t n);

#endif
