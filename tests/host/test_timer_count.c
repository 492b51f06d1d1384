/* SPDX-License-Identifier: MIT */
#include "kernel/timer_count.h"
#include "tests/host/check.h"

/* A one-shot timer counts once, then is disarmed; the count goes to the first read. */
TEST(timer_count_one_shot_counts_once)
{
    struct timer_count t = { 0 };
    uint64_t v = 0;
    timer_count_set(&t, 1000, 0);
    CHECK_EQ(timer_count_remaining(&t, 400), 600);
    CHECK_EQ(timer_count_expire(&t, 999), 0);
    CHECK(!timer_count_take(&t, &v));
    CHECK_EQ(timer_count_expire(&t, 5000), 1);
    CHECK_EQ(t.next_ns, 0);
    CHECK_EQ(timer_count_remaining(&t, 5000), 0);
    CHECK_EQ(timer_count_expire(&t, 9000), 0);
    CHECK(timer_count_take(&t, &v));
    CHECK_EQ(v, 1);
    CHECK(!timer_count_take(&t, &v));
    CHECK_EQ(t.changes, 1);
}

/* A periodic timer checked late counts every period that passed and stays on its grid. */
TEST(timer_count_periodic_counts_missed_periods)
{
    struct timer_count t = { 0 };
    uint64_t v = 0;
    timer_count_set(&t, 100, 50);
    CHECK_EQ(timer_count_expire(&t, 100), 1);
    CHECK_EQ(t.next_ns, 150);
    CHECK_EQ(timer_count_expire(&t, 349), 4); /* 150, 200, 250, 300 */
    CHECK_EQ(t.next_ns, 350);
    CHECK_EQ(timer_count_remaining(&t, 349), 1);
    CHECK(timer_count_take(&t, &v));
    CHECK_EQ(v, 5);
    CHECK_EQ(t.changes, 2);
}

/* Setting drops unread expirations; 0 disarms and drops the period too. */
TEST(timer_count_set_drops_the_count_and_zero_disarms)
{
    struct timer_count t = { 0 };
    uint64_t v = 0;
    timer_count_set(&t, 10, 10);
    CHECK_EQ(timer_count_expire(&t, 35), 3);
    timer_count_set(&t, 100, 0);
    CHECK(!timer_count_take(&t, &v));
    timer_count_set(&t, 0, 77);
    CHECK_EQ(t.interval_ns, 0);
    CHECK_EQ(timer_count_remaining(&t, 0), 0);
    CHECK_EQ(timer_count_expire(&t, UINT64_MAX), 0);
}

/* A period so long that the next expiry is past the clock's range never comes again. */
TEST(timer_count_huge_period_saturates)
{
    struct timer_count t = { 0 };
    timer_count_set(&t, 10, UINT64_MAX / 2);
    CHECK_EQ(timer_count_expire(&t, UINT64_MAX - 1), 2);
    CHECK_EQ(t.next_ns, UINT64_MAX);
    CHECK_EQ(timer_count_expire(&t, UINT64_MAX - 1), 0);
}
