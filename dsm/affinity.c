/* SPDX-License-Identifier: MIT */
/* One thread's data-affinity judge (dsm/affinity.h). */
#include "dsm/affinity.h"

#include "kernel/libc.h"

/* Shares are compared in integers: waited >= period / WAIT_DIVISOR, the node idle >= period
 * / IDLE_DIVISOR, and the leading node (more than any other) ended misses / NODE_DIVISOR or
 * more. A plurality, not a majority: on 4 nodes with one contending thread on each, each
 * thread's misses come from 3 nodes in about equal parts, and a 3/4 rule kept mallocstress
 * spread for 14 s of its 16; once one thread joins another, their node leads for the rest. Measured on the bundled programs (2 nodes, 10 ms periods): a thread of
 * mallocstress, pingpong or sor 128 (faster on one node) waits 0.4-0.6 of a period on
 * sharing misses with its node idle 0.7-0.9 of the run; one of sor 1024 (faster on two)
 * waits 0.2 with its node idle 0.4. */
#define DSM_AFFINITY_WAIT_DIVISOR 3
#define DSM_AFFINITY_IDLE_DIVISOR 2
#define DSM_AFFINITY_NODE_DIVISOR 3

static void affinity_new_period(struct dsm_affinity *a, uint64_t now_ns, uint64_t idle_ns)
{
    a->period_start_ns = now_ns;
    a->period_start_idle_ns = idle_ns;
    a->wait_ns = 0;
    a->misses = 0;
    memset(a->by_node, 0, sizeof a->by_node);
}

/* The quiet time after the moves-th move (moves >= 1). */
static uint64_t affinity_quiet_ns(uint32_t moves)
{
    return DSM_AFFINITY_QUIET_NS << (moves - 1 < DSM_AFFINITY_QUIET_MAX_SHIFT ? moves - 1 : DSM_AFFINITY_QUIET_MAX_SHIFT);
}

void dsm_affinity_start(struct dsm_affinity *a, uint64_t now_ns, uint64_t idle_ns, uint32_t moves, uint64_t left)
{
    memset(a, 0, sizeof *a);
    affinity_new_period(a, now_ns, idle_ns);
    a->moves = moves;
    a->left = left;
    if (moves)
        a->quiet_until_ns = now_ns + affinity_quiet_ns(moves);
    if (left)
        a->left_until_ns = now_ns + DSM_AFFINITY_RETURN_NS;
}

void dsm_affinity_miss(struct dsm_affinity *a, unsigned from, uint64_t wait_ns)
{
    a->wait_ns += wait_ns;
    if (a->misses < UINT16_MAX) /* by_node's counts stay below misses */
        a->misses++;
    if (from < DSM_MAX_NODES && a->by_node[from] < UINT16_MAX)
        a->by_node[from]++;
}

unsigned dsm_affinity_judge(struct dsm_affinity *a, uint64_t now_ns, uint64_t idle_ns, unsigned self,
                            unsigned nnodes, struct dsm_affinity_verdict *why)
{
    memset(why, 0, sizeof *why);
    uint64_t period = now_ns - a->period_start_ns;
    if (now_ns < a->period_start_ns || period < DSM_AFFINITY_PERIOD_NS ||
        (a->misses < DSM_AFFINITY_MIN_MISSES && period < DSM_AFFINITY_PERIOD_MAX_NS))
        return DSM_NODE_NONE;
    if (now_ns >= a->left_until_ns)
        a->left = 0;
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
    uint64_t idle = idle_ns >= a->period_start_idle_ns ? idle_ns - a->period_start_idle_ns : 0;
    *why = (struct dsm_affinity_verdict){ period, a->wait_ns, idle, a->misses, best_count };
    bool move = best != DSM_NODE_NONE && best != self && !(a->left & (1ull << best)) &&
                now_ns >= a->quiet_until_ns && a->misses >= DSM_AFFINITY_MIN_MISSES &&
                a->wait_ns >= period / DSM_AFFINITY_WAIT_DIVISOR && idle >= period / DSM_AFFINITY_IDLE_DIVISOR &&
                best_count > second_count && (uint64_t)best_count * DSM_AFFINITY_NODE_DIVISOR >= a->misses;
    affinity_new_period(a, now_ns, idle_ns);
    return move ? best : DSM_NODE_NONE;
}

void dsm_affinity_moving(struct dsm_affinity *a, uint64_t now_ns, unsigned self)
{
    a->moves++;
    a->quiet_until_ns = now_ns + affinity_quiet_ns(a->moves);
    if (self < DSM_MAX_NODES)
        a->left |= 1ull << self;
    a->left_until_ns = now_ns + DSM_AFFINITY_RETURN_NS;
}
