/* SPDX-License-Identifier: MIT */
/* Data affinity (DESIGN.md section 4: "a thread that keeps faulting on pages owned by one
 * node may be moved there instead"): one thread's judge. It counts the thread's sharing
 * misses (faults on pages another node took from this one, dsm_page_info.taken; a first
 * touch is not one) with the time each waited and the node whose message ended it. Once a
 * judging period has passed, it orders a move to the node that ended most of them (a third
 * or more, and more than any other) if that node's number is lower than its own (gathering
 * goes downhill, so threads drawn to each other meet on the lower node and can never chase
 * each other round), when the thread spent a third or more of the period
 * waiting on them and its node's CPU sat idle (every thread of the node waiting) half of it
 * or more: then the node's CPU gave the program little while its pages travelled, and on
 * one node they stop travelling. A node whose CPU is busy keeps its threads, so a program
 * that computes in parallel and shares a little stays spread. The other way: a thread away
 * from its home node (where clone() placed it) that waited for the CPU two fifths of a
 * period and for pages hardly at all, while the pages that drew it there lay unused on its
 * node, is sent home, so threads gathered by a contended phase spread
 * out again for the computing phase after it. Moves are damped: quiet time doubling with
 * each move, and a home-going only after DSM_AFFINITY_HOME_AFTER_NS on a node, doubling
 * with each one, so a thread whose pages follow it cannot bounce. Portable: the kernel glue
 * (kernel/dsm_affinity.c) keeps one per thread, the host tests drive it with a fake clock. */
#ifndef DSM_AFFINITY_H
#define DSM_AFFINITY_H

#include <stdbool.h>
#include <stdint.h>

#include "dsm/dsm.h"

/* 30 ms: about 120 page hand-offs under TCG (250 us each); shorter periods judged sor's
 * barrier bursts (a few ms of waiting) as if they lasted. */
#define DSM_AFFINITY_PERIOD_NS 30000000ull
#define DSM_AFFINITY_MIN_MISSES 8          /* fewer are no pattern: the period stretches ... */
/* ... up to this long, so misses that each wait milliseconds (a busy host) still add up */
#define DSM_AFFINITY_PERIOD_MAX_NS (8 * DSM_AFFINITY_PERIOD_NS)
#define DSM_AFFINITY_QUIET_NS 50000000ull  /* after a move: no other for 50 ms, doubling per move */
/* ... up to 51 s. At 1.6 s, zstd -T4 -B1M on 2 nodes moved two workers back and forth every
 * 1.5 s for the whole run (111 moves in 84 s, against 23.5 s with affinity off): each move
 * drags a worker's megabytes of tables after it, and the misses that drags back look like
 * sharing again. */
#define DSM_AFFINITY_QUIET_MAX_SHIFT 10
/* Home-going: only after 400 ms on a node, doubling with each one (up to 12.8 s). Gathered
 * threads of a program whose contention goes on (mallocstress, falseshare) look like
 * computing ones once together, and a home-going spreads them into it again; with 100 ms,
 * 2-node mallocstress moved 22 times in one run (3.9 s against 1.3) and falseshare lost its
 * gain. 400 ms leaves a program that computes after a contended start that long on fewer
 * nodes. */
#define DSM_AFFINITY_HOME_AFTER_NS 400000000ull
#define DSM_AFFINITY_HOME_MAX_SHIFT 5

#define DSM_AFFINITY_HOT_PAGES 4 /* the last distinct sharing-miss pages a gathering keeps */

/* What a thread's judges have decided so far: it travels with the thread. */
struct dsm_affinity_history {
    uint32_t moves;   /* moves its judges ordered */
    uint32_t homings; /* of them, home-goings */
    uint16_t home;    /* the node clone() placed it on */
    /* Since its last gathering: the pages (numbers; 0 none) whose misses drew it, whose use
     * on its node holds it back from going home (the contention goes on). */
    uint64_t hot[DSM_AFFINITY_HOT_PAGES];
};

struct dsm_affinity {
    struct dsm_affinity_history h;
    uint64_t arrived_ns;               /* when it came to this node (or began) */
    uint64_t period_start_ns;
    uint64_t period_start_idle_ns;     /* the node's idle time (cumulative) at the period's start */
    uint64_t period_start_ready_ns;    /* the thread's time ready for the CPU (cumulative), the same */
    uint64_t wait_ns;                  /* waited on sharing misses this period */
    uint32_t misses;                   /* sharing misses this period */
    uint16_t by_node[DSM_MAX_NODES];   /* of them, ended by each node's message */
    uint64_t recent[DSM_AFFINITY_HOT_PAGES]; /* the last distinct pages missed on (any period) */
    unsigned recent_next;
    uint64_t quiet_until_ns;           /* no move before */
};

/* When pages were last seen used on a node. Each judge learns of use by reading and clearing
 * the pages' accessed bits, so without a shared record a judge asking right after another
 * saw a page idle that was used all its period: at the end of a falseshare run, a gathered
 * thread went home because the thread that had just asked then exited. One per node. */
#define DSM_AFFINITY_SEEN_PAGES 32
struct dsm_affinity_seen {
    uint64_t page[DSM_AFFINITY_SEEN_PAGES];    /* 0: a free slot */
    uint64_t used_ns[DSM_AFFINITY_SEEN_PAGES]; /* when it was last seen used (0: not yet) */
};

/* A node's and a thread's cumulative clocks at one instant. */
struct dsm_affinity_clocks {
    uint64_t now_ns;
    uint64_t node_idle_ns;    /* the node's CPU halted with nothing to run */
    uint64_t thread_ready_ns; /* the thread ready to run, waiting for the CPU */
};

/* The evidence of a judgement (for the log). */
struct dsm_affinity_verdict {
    uint64_t period_ns, wait_ns, idle_ns, ready_ns;
    uint32_t misses, from_target;
    bool home;                /* the move is a home-going */
};

/* Starts a judge at c for a thread that arrives with history h (its quiet time runs from
 * now, as the judge that ordered the last move set it). */
void dsm_affinity_start(struct dsm_affinity *a, const struct dsm_affinity_clocks *c,
                        const struct dsm_affinity_history *h);
/* Counts one sharing miss on page (its number) that waited wait_ns and was ended by node
 * from (>= DSM_MAX_NODES: by none, e.g. a local completion). */
void dsm_affinity_miss(struct dsm_affinity *a, unsigned from, uint64_t wait_ns, uint64_t page);
/* True once the current period may be judged at now (the caller then tells the judge
 * whether the pages of a.h.hot were used on this node during it). */
bool dsm_affinity_due(const struct dsm_affinity *a, uint64_t now_ns, unsigned self);
/* At c, on node self of nnodes: the node the thread should move to, or DSM_NODE_NONE; *why
 * holds the period's evidence when it judged (why->period_ns 0: no judgement yet). Judges,
 * and restarts the period, once a period has passed with DSM_AFFINITY_MIN_MISSES misses or
 * more, or DSM_AFFINITY_PERIOD_MAX_NS has (dsm_affinity_due). hot_used: a page of h.hot was
 * used on this node in the period, which keeps the thread from going home. */
unsigned dsm_affinity_judge(struct dsm_affinity *a, const struct dsm_affinity_clocks *c, unsigned self,
                            unsigned nnodes, bool hot_used, struct dsm_affinity_verdict *why);
/* Notes at now what the accessed bit of page said (used_now: it was set; the caller cleared
 * it), and tells whether page was used on the node at or after since (the asking thread's
 * period start): seen used then by this or another judge. The least recently used record
 * makes room for a page not recorded yet. */
bool dsm_affinity_seen_used(struct dsm_affinity_seen *s, uint64_t page, bool used_now, uint64_t now_ns,
                            uint64_t since_ns);
/* The thread leaves for node to at now, as judged: counts the move (a home-going if to is
 * its home, which forgets h.hot; else the recent miss pages become h.hot). */
void dsm_affinity_moving(struct dsm_affinity *a, uint64_t now_ns, unsigned to);

#endif
