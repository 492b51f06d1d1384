/* SPDX-License-Identifier: MIT */
/* One thread's data-affinity judge (dsm/affinity.h). */
#include "dsm/affinity.h"

#include "kernel/libc.h"

/* Shares are compared in integers. Gathering: waited >= period / WAIT_DIVISOR, the node idle
 * >= period / IDLE_DIVISOR, and the leading node (more than any other) ended misses /
 * NODE_DIVISOR or more. A plurality, not a majority: on 4 nodes with one contending thread
 * on each, each thread's misses come from 3 nodes in about equal parts, and a 3/4 rule kept
 * mallocstress spread for 14 s of its 16; once one thread joins another, their node leads
 * for the rest. Measured on the bundled programs (2 nodes, 10 ms periods): a thread of
 * mallocstress, pingpong or sor 128 (faster on one node) waits 0.4-0.6 of a period on
 * sharing misses with its node idle 0.7-0.9 of the run; one of sor 1024 (faster on two)
 * waits 0.2 with its node idle 0.4. Downhill only (to a lower-numbered node): before, a
 * thread could gather to any node but one it had left within a second, and zstd -T4 -B1M on
 * 2 nodes had two workers swap nodes at once and others go back and forth between them for
 * the whole run (84 s against 23.5 s with affinity off); threads drawn to each other meet on
 * the lower node now, and a thread gathers at most nnodes - 1 times between home-goings.
 * Home-going: ready for the CPU >= period *
 * HOME_READY_NUMERATOR / HOME_READY_DENOMINATOR and waited on misses < period /
 * HOME_WAIT_DIVISOR, and none of the pages that drew it used on its node. Two fifths: one
 * of two computing threads on one CPU is ready half of a period (a third or two thirds of
 * one, with 10 ms time slices), four are ready three quarters. Before the used-pages rule,
 * half sent gathered mallocstress threads (still contending for the lock, now locally, and
 * ready about half of a period) home one after another, each drawing the others after it,
 * so the bar was two thirds, which kept two gathered computing threads on one CPU for good
 * (2-node phased program, 2 workers: 1.69-1.75 s against 1.06-1.11 s at two fifths); with
 * the rule, mallocstress and falseshare stay gathered at two fifths. */
#define DSM_AFFINITY_WAIT_DIVISOR 3
#define DSM_AFFINITY_IDLE_DIVISOR 2
#define DSM_AFFINITY_NODE_DIVISOR 3
#define DSM_AFFINITY_HOME_READY_NUMERATOR 2
#define DSM_AFFINITY_HOME_READY_DENOMINATOR 5
#define DSM_AFFINITY_HOME_WAIT_DIVISOR 10

static void affinity_new_period(struct dsm_affinity *a, const struct dsm_affinity_clocks *c)
{
    a->period_start_ns = c->now_ns;
    a->period_start_idle_ns = c->node_idle_ns;
    a->period_start_ready_ns = c->thread_ready_ns;
    a->wait_ns = 0;
    a->misses = 0;
    memset(a->by_node, 0, sizeof a->by_node);
}

/* base << min(count, max_shift): a time doubling with each event counted. */
static uint64_t affinity_doubled(uint64_t base, uint32_t count, unsigned max_shift)
{
    return base << (count < max_shift ? count : max_shift);
}

void dsm_affinity_start(struct dsm_affinity *a, const struct dsm_affinity_clocks *c,
                        const struct dsm_affinity_history *h)
{
    memset(a, 0, sizeof *a);
    a->h = *h;
    a->arrived_ns = c->now_ns;
    affinity_new_period(a, c);
    if (h->moves)
        a->quiet_until_ns = c->now_ns + affinity_doubled(DSM_AFFINITY_QUIET_NS, h->moves - 1,
                                                         DSM_AFFINITY_QUIET_MAX_SHIFT);
}

void dsm_affinity_miss(struct dsm_affinity *a, unsigned from, uint64_t wait_ns, uint64_t page)
{
    bool known = false;
    for (unsigned i = 0; i < DSM_AFFINITY_HOT_PAGES; i++)
        known |= a->recent[i] == page;
    if (!known) {
        a->recent[a->recent_next] = page;
        a->recent_next = (a->recent_next + 1) % DSM_AFFINITY_HOT_PAGES;
    }
    a->wait_ns += wait_ns;
    if (a->misses < UINT16_MAX) /* by_node's counts stay below misses */
        a->misses++;
    if (from < DSM_MAX_NODES && a->by_node[from] < UINT16_MAX)
        a->by_node[from]++;
}

/* The node that ended the most misses, more than any other and a third of them or more. */
static unsigned affinity_leader(const struct dsm_affinity *a, unsigned nnodes, uint32_t *count)
{
    unsigned best = DSM_NODE_NONE;
    uint32_t best_count = 0, second_count = 0;
    for (unsigned i = 0; i < nnodes && i < DSM_MAX_NODES; i++) {
        if (a->by_node[i] > best_count) {
            second_count = best_count;
            best = i;
            best_count = a->by_node[i];
        } else if (a->by_node[i] > second_count) {
            second_count = a->by_node[i];
        }
    }
    *count = best_count;
    bool leads = best_count > second_count && (uint64_t)best_count * DSM_AFFINITY_NODE_DIVISOR >= a->misses;
    return leads ? best : DSM_NODE_NONE;
}

bool dsm_affinity_due(const struct dsm_affinity *a, uint64_t now_ns, unsigned self)
{
    uint64_t period = now_ns - a->period_start_ns;
    return now_ns >= a->period_start_ns && period >= DSM_AFFINITY_PERIOD_NS &&
           (a->misses >= DSM_AFFINITY_MIN_MISSES || period >= DSM_AFFINITY_PERIOD_MAX_NS || a->h.home != self);
}

unsigned dsm_affinity_judge(struct dsm_affinity *a, const struct dsm_affinity_clocks *c, unsigned self,
                            unsigned nnodes, bool hot_used, struct dsm_affinity_verdict *why)
{
    memset(why, 0, sizeof *why);
    uint64_t now = c->now_ns, period = now - a->period_start_ns;
    if (!dsm_affinity_due(a, now, self))
        return DSM_NODE_NONE;
    uint32_t count;
    unsigned leader = affinity_leader(a, nnodes, &count);
    uint64_t idle = c->node_idle_ns >= a->period_start_idle_ns ? c->node_idle_ns - a->period_start_idle_ns : 0;
    uint64_t ready =
        c->thread_ready_ns >= a->period_start_ready_ns ? c->thread_ready_ns - a->period_start_ready_ns : 0;
    *why = (struct dsm_affinity_verdict){ period, a->wait_ns, idle, ready, a->misses, count, false };
    bool quiet = now < a->quiet_until_ns;
    bool gather = leader != DSM_NODE_NONE && leader < self &&
                  a->misses >= DSM_AFFINITY_MIN_MISSES && a->wait_ns >= period / DSM_AFFINITY_WAIT_DIVISOR &&
                  idle >= period / DSM_AFFINITY_IDLE_DIVISOR;
    bool home = a->h.home != self && a->h.home < nnodes && !gather && !hot_used &&
                now - a->arrived_ns >= affinity_doubled(DSM_AFFINITY_HOME_AFTER_NS, a->h.homings,
                                                        DSM_AFFINITY_HOME_MAX_SHIFT) &&
                ready * DSM_AFFINITY_HOME_READY_DENOMINATOR >= period * DSM_AFFINITY_HOME_READY_NUMERATOR &&
                a->wait_ns < period / DSM_AFFINITY_HOME_WAIT_DIVISOR;
    affinity_new_period(a, c);
    if (quiet || (!gather && !home))
        return DSM_NODE_NONE;
    why->home = home;
    return home ? a->h.home : leader;
}

void dsm_affinity_moving(struct dsm_affinity *a, uint64_t now_ns, unsigned to)
{
    a->h.moves++;
    a->quiet_until_ns = now_ns + affinity_doubled(DSM_AFFINITY_QUIET_NS, a->h.moves - 1, DSM_AFFINITY_QUIET_MAX_SHIFT);
    if (to == a->h.home) {
        a->h.homings++;
        memset(a->h.hot, 0, sizeof a->h.hot);
        return;
    }
    memcpy(a->h.hot, a->recent, sizeof a->h.hot);
}

bool dsm_affinity_seen_used(struct dsm_affinity_seen *s, uint64_t page, bool used_now, uint64_t now_ns,
                            uint64_t since_ns)
{
    unsigned slot = DSM_AFFINITY_SEEN_PAGES, victim = 0;
    for (unsigned i = 0; i < DSM_AFFINITY_SEEN_PAGES && slot == DSM_AFFINITY_SEEN_PAGES; i++) {
        if (s->page[i] == page)
            slot = i;
        else if (s->page[victim] != 0 && (s->page[i] == 0 || s->used_ns[i] < s->used_ns[victim]))
            victim = i; /* a free slot, else the one seen used longest ago */
    }
    if (slot == DSM_AFFINITY_SEEN_PAGES) {
        slot = victim;
        s->page[slot] = page;
        s->used_ns[slot] = 0;
    }
    if (used_now)
        s->used_ns[slot] = now_ns;
    return s->used_ns[slot] != 0 && s->used_ns[slot] >= since_ns;
}
