/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "kernel/pipe.h"
#include "tests/host/check.h"

/* Bytes written in odd-sized pieces come out in order across many wraps of the ring, and
 * never more than it holds. */
TEST(pipe_ring_keeps_order_across_wraps)
{
    uint8_t *ring = malloc(PIPE_CAPACITY);
    struct pipe p;
    pipe_init(&p, ring);
    CHECK_EQ(p.readers, 1);
    CHECK_EQ(p.writers, 1);
    CHECK_EQ(pipe_free(&p), PIPE_CAPACITY);
    static uint8_t in[7001], out[7001];
    uint64_t written = 0, read = 0;
    bool in_order = true;
    for (int round = 0; round < 200; round++) {
        size_t want = (size_t)(round * 977) % sizeof in + 1;
        for (size_t i = 0; i < want; i++)
            in[i] = (uint8_t)(written + i);
        size_t put = pipe_put(&p, in, want);
        CHECK(put <= want);
        written += put;
        size_t got = pipe_take(&p, out, (size_t)(round * 613) % sizeof out + 1);
        for (size_t i = 0; i < got; i++)
            in_order &= out[i] == (uint8_t)(read + i);
        read += got;
        CHECK_EQ(p.count, written - read);
    }
    CHECK(in_order);
    CHECK(written > 4 * PIPE_CAPACITY);
    free(ring);
}

TEST(pipe_ring_fills_and_drains_exactly)
{
    uint8_t *ring = malloc(PIPE_CAPACITY);
    static uint8_t buf[PIPE_CAPACITY + 100];
    struct pipe p;
    pipe_init(&p, ring);
    memset(buf, 0x5a, sizeof buf);
    CHECK_EQ(pipe_put(&p, buf, sizeof buf), PIPE_CAPACITY);
    CHECK_EQ(pipe_free(&p), 0);
    CHECK_EQ(pipe_put(&p, buf, 1), 0);
    CHECK_EQ(pipe_take(&p, buf, 10), 10);
    CHECK_EQ(pipe_free(&p), 10);
    CHECK_EQ(pipe_take(&p, buf, sizeof buf), PIPE_CAPACITY - 10);
    CHECK_EQ(pipe_take(&p, buf, 1), 0);
    free(ring);
}

/* A peek across the ring's wrap copies the oldest bytes and leaves them, count and
 * changes, for the next take. */
TEST(pipe_peek_leaves_the_bytes)
{
    uint8_t *ring = malloc(PIPE_CAPACITY);
    struct pipe p;
    pipe_init(&p, ring);
    static uint8_t fill[PIPE_CAPACITY], out[64];
    CHECK_EQ(pipe_put(&p, fill, PIPE_CAPACITY - 10), PIPE_CAPACITY - 10);
    CHECK_EQ(pipe_take(&p, fill, PIPE_CAPACITY - 10), PIPE_CAPACITY - 10);
    const uint8_t msg[20] = "0123456789abcdefghi";
    CHECK_EQ(pipe_put(&p, msg, sizeof msg), sizeof msg); /* wraps after 10 bytes */
    uint64_t changes = p.changes;
    CHECK_EQ(pipe_peek(&p, out, sizeof out), sizeof msg);
    CHECK(memcmp(out, msg, sizeof msg) == 0);
    CHECK_EQ(p.count, sizeof msg);
    CHECK_EQ(p.changes, changes);
    memset(out, 0, sizeof out);
    CHECK_EQ(pipe_take(&p, out, 5), 5);
    CHECK(memcmp(out, "01234", 5) == 0);
    free(ring);
}
