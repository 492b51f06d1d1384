/* SPDX-License-Identifier: MIT */
#include "kernel/clock_sync.h"
#include "tests/host/check.h"

/* A member whose clock runs 5 ms behind node 0's, with 100 us each way and 20 us between
 * receipt and answer: the offset comes out exact when the two ways take as long. */
TEST(clock_sync_symmetric_probe_gives_the_offset)
{
    struct clock_sync s = { 0 };
    uint64_t t0 = 10000000, behind = 5000000, way = 100000;
    uint64_t t1 = t0 + way - behind, t2 = t1 + 20000, t3 = t2 + behind + way;
    CHECK(clock_sync_add(&s, t0, t1, t2, t3));
    CHECK_EQ(s.offset_ns, -(int64_t)behind);
    CHECK_EQ(s.delay_ns, 2 * way);
    CHECK_EQ(s.samples, 1);
}

/* A member ahead of node 0, with the answer slower than the probe: the error is within half
 * the delay, and a later probe with less delay replaces the estimate; a slower one does not. */
TEST(clock_sync_keeps_the_probe_with_least_delay)
{
    struct clock_sync s = { 0 };
    int64_t ahead = 3000000;
    uint64_t t0 = 1000000;
    uint64_t t1 = t0 + 50000 + (uint64_t)ahead, t2 = t1 + 10000, t3 = t2 - (uint64_t)ahead + 450000;
    CHECK(clock_sync_add(&s, t0, t1, t2, t3));
    CHECK_EQ(s.delay_ns, 500000);
    int64_t err = s.offset_ns - ahead;
    CHECK(err <= 250000 && err >= -250000);
    CHECK(err != 0);
    t0 = 9000000, t1 = t0 + 60000 + (uint64_t)ahead, t2 = t1 + 10000, t3 = t2 - (uint64_t)ahead + 60000;
    CHECK(clock_sync_add(&s, t0, t1, t2, t3));
    CHECK_EQ(s.offset_ns, ahead);
    CHECK_EQ(s.delay_ns, 120000);
    t0 = 20000000, t1 = t0 + 900000 + (uint64_t)ahead, t2 = t1, t3 = t2 - (uint64_t)ahead + 100000;
    CHECK(clock_sync_add(&s, t0, t1, t2, t3));
    CHECK_EQ(s.delay_ns, 120000);
    CHECK_EQ(s.samples, 3);
}

/* Times that cannot come from a real exchange are refused and change nothing. */
TEST(clock_sync_refuses_impossible_probes)
{
    struct clock_sync s = { 0 };
    CHECK(!clock_sync_add(&s, 100, 5, 6, 99));     /* answered before it was sent */
    CHECK(!clock_sync_add(&s, 100, 50, 40, 200));  /* answered before it was taken */
    CHECK(!clock_sync_add(&s, 100, 0, 500, 200));  /* held longer than the round trip */
    CHECK_EQ(s.samples, 0);
    CHECK(clock_sync_add(&s, 100, 0, 100, 200));   /* all of the round trip at the member */
    CHECK_EQ(s.delay_ns, 0);
    CHECK_EQ(s.offset_ns, -100);
}
