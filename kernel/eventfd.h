/* SPDX-License-Identifier: MIT */
/* An eventfd's counter (eventfd(2)): a write adds a value, a read takes the whole count
 * (or 1 in semaphore mode) and resets it; a read of 0 and a write that would pass
 * EVENTFD_MAX must wait (or fail with EAGAIN). kernel/files.c keeps one in each eventfd's
 * open file description and does the waiting. Portable (no hardware includes; also built
 * into host tests). */
#ifndef KERNEL_EVENTFD_H
#define KERNEL_EVENTFD_H

#include <stdbool.h>
#include <stdint.h>

#define EVENTFD_MAX 0xfffffffffffffffeull /* the largest count (eventfd(2)) */
#define EVENTFD_VALUE_SIZE 8u             /* reads and writes move one 8-byte integer */

enum eventfd_result {
    EVENTFD_OK = 0,
    EVENTFD_WAIT = 1,    /* a read of a zero count, a write past EVENTFD_MAX: nothing changed */
    EVENTFD_INVALID = 2, /* a write of 0xffffffffffffffff (EINVAL): nothing changed */
};

struct eventfd {
    uint64_t count;
    bool semaphore; /* EFD_SEMAPHORE: a read takes 1 */
    uint64_t changes; /* reads and writes that went through, so far (edge-triggered epoll) */
};

/* read(2): *value = what the read returns, taken from the count. */
enum eventfd_result eventfd_take(struct eventfd *e, uint64_t *value);
/* write(2) of value: added to the count. */
enum eventfd_result eventfd_add(struct eventfd *e, uint64_t value);
/* poll(2): whether a read / a write of 1 would go through now. */
bool eventfd_readable(const struct eventfd *e);
bool eventfd_writable(const struct eventfd *e);

#endif
