/* SPDX-License-Identifier: MIT */
/* A pipe's byte ring and its end counts (pipe(7)): what pipe(2) creates and read/write move
 * bytes through (and each direction of a socketpair). Portable (no hardware includes; also built into host tests). It never
 * blocks: kernel/files.c decides, from pipe_free and the end counts, whether a call waits. */
#ifndef KERNEL_PIPE_H
#define KERNEL_PIPE_H

#include <stddef.h>
#include <stdint.h>

#define PIPE_CAPACITY 65536u  /* bytes: Linux's default pipe size (pipe(7), "Pipe capacity") */
#define PIPE_ATOMIC_MAX 4096u /* PIPE_BUF (pipe(7)): a write of at most this is never split */

struct pipe {
    uint8_t *ring;    /* PIPE_CAPACITY bytes */
    uint32_t head;    /* index of the oldest byte */
    uint32_t count;   /* bytes held, <= PIPE_CAPACITY */
    uint32_t readers; /* open descriptions of the read end */
    uint32_t writers; /* open descriptions of the write end */
    uint64_t changes; /* bytes moved or an end closed, so far (edge-triggered epoll) */
    void *fifo;       /* the named FIFO whose pipe this is (its store node), or NULL: pipe(2)'s */
};

/* A pipe around ring (PIPE_CAPACITY bytes), empty, with one reader and one writer. */
void pipe_init(struct pipe *p, uint8_t *ring);
/* Bytes a write could add now. */
size_t pipe_free(const struct pipe *p);
/* Moves up to len of the oldest bytes into dst; the count moved. */
size_t pipe_take(struct pipe *p, void *dst, size_t len);
/* Copies up to len of the oldest bytes into dst, leaving them there (MSG_PEEK); the count. */
size_t pipe_peek(const struct pipe *p, void *dst, size_t len);
/* Appends up to pipe_free bytes of src; the count appended. */
size_t pipe_put(struct pipe *p, const void *src, size_t len);

#endif
