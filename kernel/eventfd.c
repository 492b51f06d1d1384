/* SPDX-License-Identifier: MIT */
/* eventfd counters (kernel/eventfd.h). Invariant: count <= EVENTFD_MAX. */
#include "kernel/eventfd.h"

enum eventfd_result eventfd_take(struct eventfd *e, uint64_t *value)
{
    if (e->count == 0)
        return EVENTFD_WAIT;
    *value = e->semaphore ? 1 : e->count;
    e->count -= *value;
    e->changes++;
    return EVENTFD_OK;
}

enum eventfd_result eventfd_add(struct eventfd *e, uint64_t value)
{
    if (value == UINT64_MAX)
        return EVENTFD_INVALID;
    if (value > EVENTFD_MAX - e->count)
        return EVENTFD_WAIT;
    e->count += value;
    e->changes++;
    return EVENTFD_OK;
}

bool eventfd_readable(const struct eventfd *e)
{
    return e->count > 0;
}

bool eventfd_writable(const struct eventfd *e)
{
    return e->count < EVENTFD_MAX;
}
