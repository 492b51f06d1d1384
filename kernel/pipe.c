/* SPDX-License-Identifier: MIT */
/* The pipe ring (kernel/pipe.h). Invariant: head < PIPE_CAPACITY and count <= PIPE_CAPACITY;
 * the held bytes run from head, wrapping at the end of the ring. */
#include "kernel/pipe.h"

#include "kernel/libc.h"

void pipe_init(struct pipe *p, uint8_t *ring)
{
    *p = (struct pipe){ .ring = ring, .readers = 1, .writers = 1 };
}

size_t pipe_free(const struct pipe *p)
{
    return PIPE_CAPACITY - p->count;
}

size_t pipe_peek(const struct pipe *p, void *dst, size_t len)
{
    size_t n = len < p->count ? len : p->count;
    size_t first = PIPE_CAPACITY - p->head < n ? PIPE_CAPACITY - p->head : n;
    memcpy(dst, p->ring + p->head, first);
    memcpy((uint8_t *)dst + first, p->ring, n - first);
    return n;
}

size_t pipe_take(struct pipe *p, void *dst, size_t len)
{
    size_t n = pipe_peek(p, dst, len);
    p->head = (uint32_t)((p->head + n) % PIPE_CAPACITY);
    p->count -= (uint32_t)n;
    p->changes += n != 0;
    return n;
}

size_t pipe_put(struct pipe *p, const void *src, size_t len)
{
    size_t n = len < pipe_free(p) ? len : pipe_free(p);
    size_t tail = (p->head + p->count) % PIPE_CAPACITY;
    size_t first = PIPE_CAPACITY - tail < n ? PIPE_CAPACITY - tail : n;
    memcpy(p->ring + tail, src, first);
    memcpy(p->ring, (const uint8_t *)src + first, n - first);
    p->count += (uint32_t)n;
    p->changes += n != 0;
    return n;
}
