/* SPDX-License-Identifier: MIT */
#include "kernel/eventfd.h"
#include "tests/host/check.h"

/* A read takes the whole count and leaves 0; the next read must wait. */
TEST(eventfd_read_takes_the_count)
{
    struct eventfd e = { .count = 3 };
    uint64_t v = 0;
    CHECK_EQ(eventfd_add(&e, 4), EVENTFD_OK);
    CHECK_EQ(eventfd_take(&e, &v), EVENTFD_OK);
    CHECK_EQ(v, 7);
    CHECK(!eventfd_readable(&e));
    CHECK_EQ(eventfd_take(&e, &v), EVENTFD_WAIT);
    CHECK_EQ(v, 7);
}

TEST(eventfd_semaphore_takes_one_at_a_time)
{
    struct eventfd e = { .count = 2, .semaphore = true };
    uint64_t v = 0;
    CHECK_EQ(eventfd_take(&e, &v), EVENTFD_OK);
    CHECK_EQ(v, 1);
    CHECK_EQ(eventfd_take(&e, &v), EVENTFD_OK);
    CHECK_EQ(eventfd_take(&e, &v), EVENTFD_WAIT);
}

/* The count stops at EVENTFD_MAX: a write past it waits, all-ones is refused, and neither
 * changes the count. */
TEST(eventfd_write_past_the_maximum_waits)
{
    struct eventfd e = { .count = EVENTFD_MAX - 1 };
    CHECK(eventfd_writable(&e));
    CHECK_EQ(eventfd_add(&e, 2), EVENTFD_WAIT);
    CHECK_EQ(eventfd_add(&e, UINT64_MAX), EVENTFD_INVALID);
    CHECK_EQ(e.count, EVENTFD_MAX - 1);
    CHECK_EQ(eventfd_add(&e, 1), EVENTFD_OK);
    CHECK(!eventfd_writable(&e));
    CHECK_EQ(eventfd_add(&e, 0), EVENTFD_OK); /* adding nothing always fits */
}
