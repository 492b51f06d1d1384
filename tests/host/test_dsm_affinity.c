/* SPDX-License-Identifier: MIT */
/* Host tests of the data-affinity judge (dsm/affinity.c) on a fake clock. */
#include "tests/host/check.h"

#include "dsm/affinity.h"

#define T_MS 1000000ull
#define T_SELF 3 /* the highest node: gathering goes downhill */
#define T_NODES 4
#define T_PERIOD_MS (DSM_AFFINITY_PERIOD_NS / T_MS)
#define T_MAX_MS (DSM_AFFINITY_PERIOD_MAX_NS / T_MS)
#define T_PAGE 0x400u /* t_misses' pages: this one and the next */

/* Starts a at now_ms (node idle idle_ms so far, the thread ready 0) with history h. */
static void t_start(struct dsm_affinity *a, uint64_t now_ms, uint64_t idle_ms, struct dsm_affinity_history h)
{
    struct dsm_affinity_clocks c = { now_ms * T_MS, idle_ms * T_MS, 0 };
    dsm_affinity_start(a, &c, &h);
}

/* A thread that began at home (T_SELF) at now_ms. */
static void t_begin(struct dsm_affinity *a, uint64_t now_ms, uint64_t idle_ms)
{
    t_start(a, now_ms, idle_ms, (struct dsm_affinity_history){ .home = T_SELF });
}

/* count misses ended by node from, each waiting wait_us. */
static void t_misses(struct dsm_affinity *a, unsigned count, unsigned from, uint64_t wait_us)
{
    for (unsigned i = 0; i < count; i++)
        dsm_affinity_miss(a, from, wait_us * 1000, T_PAGE + i % 2);
}

/* Judges at now_ms, the node having idled idle_ms and the thread been ready ready_ms in all. */
static unsigned t_judge_ready(struct dsm_affinity *a, uint64_t now_ms, uint64_t idle_ms, uint64_t ready_ms,
                              struct dsm_affinity_verdict *why)
{
    struct dsm_affinity_clocks c = { now_ms * T_MS, idle_ms * T_MS, ready_ms * T_MS };
    return dsm_affinity_judge(a, &c, T_SELF, T_NODES, false, why);
}

static unsigned t_judge(struct dsm_affinity *a, uint64_t now_ms, uint64_t idle_ms)
{
    struct dsm_affinity_verdict why;
    return t_judge_ready(a, now_ms, idle_ms, 0, &why);
}

TEST(dsm_affinity_moves_a_waiting_thread_of_an_idle_node)
{
    struct dsm_affinity a;
    struct dsm_affinity_verdict why;
    t_begin(&a, 100, 40);
    t_misses(&a, 40, 2, 400); /* 16 ms of 30 waiting, all ended by node 2 */
    CHECK_EQ(t_judge_ready(&a, 120, 50, 0, &why), DSM_NODE_NONE);
    CHECK_EQ(why.period_ns, 0); /* not a period yet */
    CHECK_EQ(t_judge_ready(&a, 130, 60, 0, &why), 2); /* idle 20 of 30 */
    CHECK_EQ(why.period_ns, 30 * T_MS);
    CHECK_EQ(why.wait_ns, 16 * T_MS);
    CHECK_EQ(why.idle_ns, 20 * T_MS);
    CHECK_EQ(why.misses, 40);
    CHECK_EQ(why.from_target, 40);
    CHECK(!why.home);
    CHECK_EQ(a.misses, 0);   /* the next period starts */
    CHECK_EQ(a.h.moves, 0);  /* judged, not moved yet */
    dsm_affinity_moving(&a, 130 * T_MS, 2);
    CHECK_EQ(a.h.moves, 1);
    CHECK_EQ(a.h.homings, 0);
    CHECK_EQ(a.quiet_until_ns, 180 * T_MS);
}

TEST(dsm_affinity_leaves_a_thread_that_mostly_runs)
{
    struct dsm_affinity a;
    t_begin(&a, 0, 0);
    t_misses(&a, 30, 2, 300); /* 9 ms of 30: under a third */
    CHECK_EQ(t_judge(&a, 30, 30), DSM_NODE_NONE);
    /* A third of a longer period still counts against the whole period. */
    t_misses(&a, 30, 2, 600); /* 18 ms of 60 */
    CHECK_EQ(t_judge(&a, 90, 90), DSM_NODE_NONE);
    t_misses(&a, 40, 2, 500); /* 20 ms of 60 */
    CHECK_EQ(t_judge(&a, 150, 150), 2);
}

TEST(dsm_affinity_leaves_a_thread_whose_node_computes)
{
    struct dsm_affinity a;
    t_begin(&a, 0, 0);
    t_misses(&a, 40, 2, 500); /* 20 ms of 30 waiting, but the node idled 14 */
    CHECK_EQ(t_judge(&a, 30, 14), DSM_NODE_NONE);
    t_misses(&a, 40, 2, 500);
    CHECK_EQ(t_judge(&a, 60, 29), 2); /* 15 of 30 */
}

/* Few misses that each wait long (a busy host) stretch the period until there are enough. */
TEST(dsm_affinity_period_stretches_for_slow_misses)
{
    struct dsm_affinity a;
    struct dsm_affinity_verdict why;
    t_begin(&a, 0, 0);
    t_misses(&a, DSM_AFFINITY_MIN_MISSES - 1, 2, 5000);
    CHECK_EQ(t_judge_ready(&a, 40, 40, 0, &why), DSM_NODE_NONE);
    CHECK_EQ(why.period_ns, 0); /* not judged: the period goes on */
    t_misses(&a, 1, 2, 5000);
    CHECK_EQ(t_judge(&a, 45, 45), 2); /* 40 of 45 ms waiting on 8 misses */
    /* Too few even at the stretched period's end: judged (no move), and a new period starts. */
    t_misses(&a, DSM_AFFINITY_MIN_MISSES - 1, 2, 30000);
    CHECK_EQ(t_judge(&a, 45 + T_MAX_MS - 1, 45 + T_MAX_MS - 1), DSM_NODE_NONE);
    CHECK_EQ(a.misses, DSM_AFFINITY_MIN_MISSES - 1);
    CHECK_EQ(t_judge_ready(&a, 45 + T_MAX_MS, 45 + T_MAX_MS, 0, &why), DSM_NODE_NONE);
    CHECK_EQ(why.period_ns, DSM_AFFINITY_PERIOD_MAX_NS);
    CHECK_EQ(a.misses, 0);
}

TEST(dsm_affinity_needs_enough_misses_and_one_leading_node)
{
    struct dsm_affinity a;
    t_begin(&a, 0, 0);
    t_misses(&a, DSM_AFFINITY_MIN_MISSES - 1, 1, 1000); /* few */
    CHECK_EQ(t_judge(&a, T_MAX_MS, T_MAX_MS), DSM_NODE_NONE);
    uint64_t t = T_MAX_MS;
    t_misses(&a, 11, 2, 500);
    t_misses(&a, 11, 1, 500);
    t_misses(&a, 10, 0, 500); /* nodes 2 and 1 tie */
    CHECK_EQ(t_judge(&a, t + 30, t + 30), DSM_NODE_NONE);
    t_misses(&a, 10, 2, 500);
    t_misses(&a, 9, 1, 500);
    t_misses(&a, 9, 0, 500);
    t_misses(&a, 6, DSM_MAX_NODES, 500); /* node 2 leads with 10 of 34: under a third */
    CHECK_EQ(t_judge(&a, t + 60, t + 60), DSM_NODE_NONE);
    t_misses(&a, 12, 1, 500);
    t_misses(&a, 11, 2, 500);
    t_misses(&a, 10, 0, 500); /* node 1 leads with 12 of 33: a third or more */
    CHECK_EQ(t_judge(&a, t + 90, t + 90), 1);
}

TEST(dsm_affinity_ignores_its_own_node_and_unknown_enders)
{
    struct dsm_affinity a;
    t_begin(&a, 0, 0);
    t_misses(&a, 40, T_SELF, 500);
    CHECK_EQ(t_judge(&a, 30, 30), DSM_NODE_NONE);
    t_misses(&a, 40, DSM_MAX_NODES, 500); /* waited, but no node's message ended them */
    CHECK_EQ(t_judge(&a, 60, 60), DSM_NODE_NONE);
    t_misses(&a, 40, T_NODES, 500); /* a node beyond the cluster */
    CHECK_EQ(t_judge(&a, 90, 90), DSM_NODE_NONE);
}

TEST(dsm_affinity_quiet_time_doubles_with_each_move)
{
    struct dsm_affinity a;
    t_begin(&a, 0, 0);
    t_misses(&a, 40, 2, 500);
    CHECK_EQ(t_judge(&a, 30, 30), 2);
    dsm_affinity_moving(&a, 30 * T_MS, 2);
    /* It stayed (the move failed): no other move for 50 ms. */
    t_misses(&a, 40, 1, 500);
    CHECK_EQ(t_judge(&a, 60, 60), DSM_NODE_NONE);
    t_misses(&a, 40, 1, 500);
    CHECK_EQ(t_judge(&a, 90, 90), 1);
    dsm_affinity_moving(&a, 90 * T_MS, 1);
    CHECK_EQ(a.h.moves, 2);
    CHECK_EQ(a.quiet_until_ns, 190 * T_MS); /* 100 ms after the second */
    /* Arriving after three moves: 200 ms of quiet from the arrival; the doubling stops at 51 s. */
    t_start(&a, 1000, 0, (struct dsm_affinity_history){ .moves = 3, .home = T_SELF });
    CHECK_EQ(a.quiet_until_ns, 1200 * T_MS);
    t_misses(&a, 40, 0, 500);
    CHECK_EQ(t_judge(&a, 1030, 30), DSM_NODE_NONE); /* quiet */
    t_misses(&a, 40, 0, 1500);
    CHECK_EQ(t_judge(&a, 1200, 200), 0); /* 60 of 170 ms waiting */
    /* After eight moves, 6.4 s (a thread moved back and forth every 1.6 s when it stopped there). */
    t_start(&a, 0, 0, (struct dsm_affinity_history){ .moves = 8, .home = T_SELF });
    CHECK_EQ(a.quiet_until_ns, 6400 * T_MS);
    t_start(&a, 0, 0, (struct dsm_affinity_history){ .moves = 40, .home = T_SELF });
    CHECK_EQ(a.quiet_until_ns, DSM_AFFINITY_QUIET_NS << DSM_AFFINITY_QUIET_MAX_SHIFT);
}

/* Gathering goes downhill: a thread moves only to a lower-numbered node than its own, so
 * two threads drawn to each other's node meet on the lower one instead of swapping places,
 * and no thread chases another round the nodes. */
TEST(dsm_affinity_gathers_only_to_a_lower_node)
{
    struct dsm_affinity a;
    t_start(&a, 0, 0, (struct dsm_affinity_history){ .home = 1 });
    t_misses(&a, 40, 2, 500);
    struct dsm_affinity_clocks c = { 30 * T_MS, 30 * T_MS, 0 };
    struct dsm_affinity_verdict why;
    CHECK_EQ(dsm_affinity_judge(&a, &c, 1, T_NODES, false, &why), DSM_NODE_NONE); /* node 2 is above */
    CHECK_EQ(why.from_target, 40);
    t_misses(&a, 40, 0, 500);
    c = (struct dsm_affinity_clocks){ 60 * T_MS, 60 * T_MS, 0 };
    CHECK_EQ(dsm_affinity_judge(&a, &c, 1, T_NODES, false, &why), 0);
    /* On node 0 no gathering is left: it goes home or stays. */
    t_start(&a, 0, 0, (struct dsm_affinity_history){ .home = 0 });
    t_misses(&a, 40, 1, 500);
    c = (struct dsm_affinity_clocks){ 30 * T_MS, 30 * T_MS, 0 };
    CHECK_EQ(dsm_affinity_judge(&a, &c, 0, T_NODES, false, &why), DSM_NODE_NONE);
}

/* Gathered by a contended phase, a thread that then computes beside the others (ready for
 * the CPU two fifths of the time or more, hardly waiting on pages) goes home once it has
 * stayed long enough; each home-going doubles the stay the next one needs. One of two
 * computing threads on one CPU is ready half of the time: it goes (it stayed, at 2/3). */
TEST(dsm_affinity_sends_a_crowded_thread_home)
{
    struct dsm_affinity a;
    struct dsm_affinity_verdict why;
    uint64_t home_ms = DSM_AFFINITY_HOME_AFTER_NS / T_MS;
    t_start(&a, 1000, 0, (struct dsm_affinity_history){ .moves = 1, .home = 2 });
    CHECK_EQ(t_judge_ready(&a, 1030, 0, 20, &why), DSM_NODE_NONE); /* not there long enough */
    CHECK_EQ(why.period_ns, 30 * T_MS); /* away from home: judged without misses */
    CHECK_EQ(t_judge_ready(&a, 1000 + home_ms, 0, 20, &why), DSM_NODE_NONE); /* ready 0 of 70 */
    t_misses(&a, 2, 0, 1000);
    CHECK_EQ(t_judge_ready(&a, 1000 + home_ms + 30, 0, 20 + 11, &why), DSM_NODE_NONE); /* ready 11 of 30 */
    t_misses(&a, 3, 0, 1000);
    CHECK_EQ(t_judge_ready(&a, 1000 + home_ms + 60, 0, 31 + 20, &why), DSM_NODE_NONE); /* waited 3 of 30 */
    t_misses(&a, 2, 0, 1000);
    CHECK_EQ(t_judge_ready(&a, 1000 + home_ms + 90, 0, 51 + 15, &why), 2); /* ready 15 of 30 */
    CHECK(why.home);
    CHECK_EQ(why.ready_ns, 15 * T_MS);
    dsm_affinity_moving(&a, (1000 + home_ms + 90) * T_MS, 2);
    CHECK_EQ(a.h.homings, 1);
    CHECK_EQ(a.h.moves, 2);
    /* Gathered again: the next home-going needs twice the stay. */
    t_start(&a, 5000, 0, (struct dsm_affinity_history){ .moves = 3, .homings = 1, .home = 2 });
    uint64_t t = 5000 + 2 * home_ms - 10;
    CHECK_EQ(t_judge_ready(&a, t - 30, 0, 0, &why), DSM_NODE_NONE);
    CHECK_EQ(t_judge_ready(&a, t, 0, 30, &why), DSM_NODE_NONE);
    CHECK_EQ(t_judge_ready(&a, t + 30, 0, 60, &why), 2);
    /* At home, a thread that waits for the CPU goes nowhere. */
    t_begin(&a, 0, 0);
    CHECK_EQ(t_judge_ready(&a, T_MAX_MS, 0, T_MAX_MS, &why), DSM_NODE_NONE);
    /* A home beyond the cluster (a peer's bad snapshot) is never gone to. */
    t_start(&a, 0, 0, (struct dsm_affinity_history){ .home = T_NODES });
    CHECK_EQ(t_judge_ready(&a, 10 * home_ms, 0, 10 * home_ms, &why), DSM_NODE_NONE);
}

TEST(dsm_affinity_survives_a_clock_that_steps_back)
{
    struct dsm_affinity a;
    t_begin(&a, 50, 50);
    t_misses(&a, 40, 2, 500);
    CHECK_EQ(t_judge(&a, 40, 40), DSM_NODE_NONE);
    CHECK_EQ(t_judge(&a, 80, 40), DSM_NODE_NONE); /* idle time stepped back: counted as none */
    t_misses(&a, 40, 2, 500);
    CHECK_EQ(t_judge(&a, 110, 70), 2);
}

/* The pages whose misses drew a thread stay with it; while they are used on its node (the
 * contention goes on there), it does not go home. A home-going forgets them. */
TEST(dsm_affinity_stays_while_the_pages_that_drew_it_are_used)
{
    struct dsm_affinity a;
    struct dsm_affinity_verdict why;
    t_begin(&a, 0, 0);
    t_misses(&a, 40, 2, 500);
    dsm_affinity_miss(&a, 2, 0, 0x999);
    CHECK_EQ(t_judge(&a, 30, 30), 2);
    dsm_affinity_moving(&a, 30 * T_MS, 2);
    CHECK_EQ(a.h.hot[0], T_PAGE);
    CHECK_EQ(a.h.hot[1], T_PAGE + 1);
    CHECK_EQ(a.h.hot[2], 0x999);
    CHECK_EQ(a.h.hot[3], 0);
    /* Arrived at node 2, away from home (T_SELF), computing beside the others. */
    struct dsm_affinity_history h = a.h;
    h.home = 1;
    t_start(&a, 1000, 0, h);
    uint64_t t = 1000 + DSM_AFFINITY_HOME_AFTER_NS / T_MS;
    struct dsm_affinity_clocks c = { t * T_MS, 0, 0 };
    CHECK(dsm_affinity_due(&a, t * T_MS, T_SELF));
    CHECK_EQ(dsm_affinity_judge(&a, &c, T_SELF, T_NODES, true, &why), DSM_NODE_NONE); /* restart */
    c = (struct dsm_affinity_clocks){ (t + 30) * T_MS, 0, 30 * T_MS };
    CHECK_EQ(dsm_affinity_judge(&a, &c, T_SELF, T_NODES, true, &why), DSM_NODE_NONE); /* used */
    c = (struct dsm_affinity_clocks){ (t + 60) * T_MS, 0, 60 * T_MS };
    CHECK_EQ(dsm_affinity_judge(&a, &c, T_SELF, T_NODES, false, &why), 1);
    dsm_affinity_moving(&a, (t + 60) * T_MS, 1);
    CHECK_EQ(a.h.hot[0], 0);
    CHECK_EQ(a.h.hot[2], 0);
    /* A miss on a page already among the recent ones takes no new place. */
    t_begin(&a, 0, 0);
    dsm_affinity_miss(&a, 2, 0, 0x5);
    dsm_affinity_miss(&a, 2, 0, 0x5);
    dsm_affinity_miss(&a, 2, 0, 0x6);
    CHECK_EQ(a.recent[0], 0x5);
    CHECK_EQ(a.recent[1], 0x6);
    CHECK_EQ(a.recent[2], 0);
}

/* Two judges on one node ask about the same page: the first clears its accessed bit, so
 * the second reads it clear though the page was used all its period; the node's record
 * still answers used (before it, falseshare's gathered threads could go home when the
 * thread that had just asked exited). A page not used since a period began is unused;
 * the record keeps the most recently used pages when it is full. */
TEST(dsm_affinity_seen_use_is_shared_by_the_judges)
{
    static struct dsm_affinity_seen seen;
    uint64_t page = 0x77;
    CHECK(dsm_affinity_seen_used(&seen, page, true, 100 * T_MS, 80 * T_MS));  /* judge X: bit set */
    CHECK(dsm_affinity_seen_used(&seen, page, false, 101 * T_MS, 75 * T_MS)); /* judge Y: bit clear, used in its period */
    CHECK(!dsm_affinity_seen_used(&seen, page, false, 140 * T_MS, 110 * T_MS)); /* not since 110 */
    CHECK(!dsm_affinity_seen_used(&seen, 0x78, false, 150 * T_MS, 0)); /* never seen used */
    for (uint64_t p = 0x100; p < 0x100 + DSM_AFFINITY_SEEN_PAGES; p++)
        dsm_affinity_seen_used(&seen, p, true, (200 + p) * T_MS, 0);
    CHECK(!dsm_affinity_seen_used(&seen, page, false, 600 * T_MS, 0)); /* pushed out: the oldest */
    CHECK(dsm_affinity_seen_used(&seen, 0x100 + DSM_AFFINITY_SEEN_PAGES - 1, false, 600 * T_MS, 0));
}
