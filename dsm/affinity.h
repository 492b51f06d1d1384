/* SPDX-License-Identifier: MIT */
/* Data affinity (DESIGN.md section 4: "a thread that keeps faulting on pages owned by one
 * node may be moved there instead"): one thread's judge. It counts the thread's sharing
 * misses (faults on pages another node took from this one, dsm_page_info.taken; a first
 * touch is not one) with the time each waited and the node whose message ended it. Once a
 * judging period has passed, it orders a move to the node that ended most of them (a third
 * or more, and more than any other) when
 * the thread spent a third or more of the period waiting on them and its node's CPU sat
 * idle (every thread of the node waiting) half of it or more: then the node's CPU gave the
 * program little while its pages travelled, and on one node they stop travelling. A node
 * whose CPU is busy keeps its threads, so a program that computes in parallel and shares a
 * little stays spread. Moves are damped: quiet time doubling with each move, and no return
 * to a node the thread left within DSM_AFFINITY_RETURN_NS, so a thread whose pages follow it
 * cannot bounce between two nodes. Portable: the kernel glue (kernel/dsm_affinity.c) keeps
 * one per thread, the host tests drive it with a fake clock. */
#ifndef DSM_AFFINITY_H
#define DSM_AFFINITY_H

#include <stdint.h>

#include "dsm/dsm.h"

/* 30 ms: about 120 page hand-offs under TCG (250 us each); shorter periods judged sor's
 * barrier bursts (a few ms of waiting) as if they lasted. */
#define DSM_AFFINITY_PERIOD_NS 30000000ull
#define DSM_AFFINITY_MIN_MISSES 8          /* fewer are no pattern: the period stretches ... */
/* ... up to this long, so misses that each wait milliseconds (a busy host) still add up */
#define DSM_AFFINITY_PERIOD_MAX_NS (8 * DSM_AFFINITY_PERIOD_NS)
#define DSM_AFFINITY_QUIET_NS 50000000ull  /* after a move: no other for 50 ms, doubling per move */
#define DSM_AFFINITY_QUIET_MAX_SHIFT 5     /* ... up to 1.6 s */
#define DSM_AFFINITY_RETURN_NS 1000000000ull /* no move back to a node left less than 1 s ago */

struct dsm_affinity {
    uint64_t period_start_ns;
    uint64_t period_start_idle_ns;     /* the node's idle time (cumulative) at the period's start */
    uint64_t wait_ns;                  /* waited on sharing misses this period */
    uint32_t misses;                   /* sharing misses this period */
    uint16_t by_node[DSM_MAX_NODES];   /* of them, ended by each node's message */
    uint64_t quiet_until_ns;           /* no move before */
    uint64_t left;                     /* nodes it left by affinity, bit per node ... */
    uint64_t left_until_ns;            /* ... kept from until then */
    uint32_t moves;                    /* moves its judges ordered */
};

/* The evidence of a judgement (for the log). */
struct dsm_affinity_verdict {
    uint64_t period_ns, wait_ns, idle_ns;
    uint32_t misses, from_target;
};

/* Starts a judge for a thread that begins at now (moves 0, left 0), or arrives at now after
 * moves moves, having left the nodes in left (its quiet and no-return times run from now).
 * idle_ns: the node's cumulative idle time now. */
void dsm_affinity_start(struct dsm_affinity *a, uint64_t now_ns, uint64_t idle_ns, uint32_t moves, uint64_t left);
/* Counts one sharing miss that waited wait_ns and was ended by node from (>= DSM_MAX_NODES:
 * by none, e.g. a local completion). */
void dsm_affinity_miss(struct dsm_affinity *a, unsigned from, uint64_t wait_ns);
/* At now (node idle time idle_ns so far), on node self of nnodes: the node the thread
 * should move to, or DSM_NODE_NONE; *why holds the period's evidence when it judged
 * (why->period_ns 0: no judgement yet). Judges, and restarts the period, once a period has
 * passed with DSM_AFFINITY_MIN_MISSES misses or more, or DSM_AFFINITY_PERIOD_MAX_NS has. */
unsigned dsm_affinity_judge(struct dsm_affinity *a, uint64_t now_ns, uint64_t idle_ns, unsigned self,
                            unsigned nnodes, struct dsm_affinity_verdict *why);
/* The thread leaves node self at now as judged: counts the move, starts its quiet time and
 * marks self as left. */
void dsm_affinity_moving(struct dsm_affinity *a, uint64_t now_ns, unsigned self);

#endif
