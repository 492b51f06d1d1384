/* SPDX-License-Identifier: MIT */
/* The deterministic DSM simulator (docs/dsm-protocol.md, "Simulator"): many simulated
 * nodes run the unchanged dsm/ core over a lossy, duplicating, reordering network under a
 * small reliable FIFO shim, driven by random workloads; invariants are checked after every
 * event. Everything follows from the seed, so a failing seed replays exactly. */
#ifndef TESTS_SIM_SIM_H
#define TESTS_SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dsm/dsm.h"

#define SIM_MAX_NODES 64
#define SIM_WORDS 8              /* 32-bit words per page the workload uses (and checks) */
#define SIM_FUTEX_WORD 7         /* futex words sit at this word index of the futex pages */
#define SIM_PAGE_BASE 0x400ull   /* first simulated page number (address 4 MiB) */
#define SIM_RTO_NS 300000ull     /* shim retransmission timeout */
#define SIM_LIVENESS_NS 2000000000ull /* an operation must finish within this (2 s sim time) */
#define SIM_LOST_WAKE_NS 50000000ull  /* a doomed waiter must return within this (50 ms) */

struct sim_config {
    uint64_t seed;
    uint64_t events;
    unsigned nodes, threads, pages, futexes, ro_pages, pre_pages;
    unsigned loss_pct, dup_pct;  /* per packet, in percent */
    unsigned futex_pct;          /* share of futex operations, in percent */
    unsigned resume_delay_ns;    /* 0: a woken thread runs at once; else after up to this */
    unsigned window_ns;          /* dsm_set_window() on every node */
    bool adaptive;
    bool replicate;       /* directory replication (dsm_set_replication) */
    bool resume_hold;     /* dsm_set_resume_hold: threads report dsm_resumed when they run */
    unsigned wu_pages;    /* the last wu_pages pages form a write-update region */
    bool home_stripes;    /* dsm_set_home_stripes over every page, 2^home_shift pages a stripe */
    unsigned home_shift;
    unsigned read_ahead;  /* dsm_set_read_ahead on every node (dynamic serves it) */
    enum dsm_scheme scheme;
    bool verbose;
};

/* One frame of a node's simulated memory. */
struct sim_frame {
    uint8_t *data;   /* DSM_PAGE_SIZE bytes when present */
    uint8_t prot;    /* enum dsm_prot */
};

struct sim_pkt {
    struct sim_pkt *next;
    uint32_t seq;
    size_t len;
    uint8_t bytes[];
};

/* Reliable FIFO shim state for one ordered pair src->dst. */
struct sim_link {
    uint32_t next_seq;        /* sender: seq of the next new message */
    struct sim_pkt *unacked;  /* sender: in seq order */
    bool rtx_armed;
    uint32_t expected;        /* receiver: next seq to deliver */
    struct sim_pkt *ooo;      /* receiver: early arrivals, sorted by seq */
};

enum sim_op {
    SIM_OP_READ, SIM_OP_WRITE, SIM_OP_FADD, SIM_OP_WAIT, SIM_OP_WAKE, SIM_OP_REQUEUE, SIM_OP_COUNT
};

struct sim_thread {
    unsigned node, index;
    bool busy;            /* an operation is in progress */
    bool blocked;         /* parked in the core until wake */
    bool resuming;        /* woken; runs at its SIM_EV_THREAD event (--resume-delay) */
    bool faulted;         /* parked in dsm_fault on fault_page: tells dsm_resumed when it runs */
    uint64_t fault_page;
    uint8_t op;
    unsigned step;
    unsigned page, word, page2;  /* futex ops: page2 is the requeue target futex */
    uint32_t val;                /* futex ops: futex index */
    uint32_t seen;               /* WAIT: value waited for; WAKE: value after the change */
    uint64_t call_time;          /* when the futex call was made */
    bool wake_all;               /* WAKE: count all, any bitset */
    bool doomed;                 /* WAIT: a later wake-all must have ended this wait */
    uint64_t doomed_at;
    int64_t result;
    uint64_t op_start;
    uint32_t wu_value;           /* write-update page: WRITE's value / FADD's addend in flight */
    bool wu_committed;           /* ... and it is in the shadow memory */
    uint32_t wu_before;          /* FADD / XCHG: the shadow word before its commit */
    uint64_t wu_old;             /* FADD / XCHG: the old value dsm_atomic returned */
    bool wu_xchg;                /* WRITE: through dsm_atomic XCHG instead of dsm_write */
};

struct sim_node {
    struct sim_world *w;
    unsigned id;
    struct dsm_node *dsm;
    struct sim_frame *frames;   /* [pages] */
    uint64_t timer_deadline;
};

struct sim_event {
    uint64_t time, seq;
    uint8_t kind;
    uint16_t src, dst;
    uint32_t arg;
    struct sim_pkt *pkt;   /* EV_PKT: owned by the event */
};

struct sim_world {
    struct sim_config cfg;
    uint64_t rng;
    uint64_t now;
    uint64_t event_seq, events_run;
    struct sim_event *heap;
    size_t heap_len, heap_cap;
    struct sim_node nodes[SIM_MAX_NODES];
    struct sim_link *links;          /* [nodes * nodes], src * nodes + dst */
    struct sim_thread *threads;      /* [nodes * threads] */
    unsigned *ready;                 /* woken threads to run after the current core call */
    unsigned ready_len;
    uint32_t *rq_inflight;           /* [futexes]: requeues touching the word in flight */
    uint64_t *rq_done;               /* [futexes]: when the last such requeue finished */
    uint32_t *shadow;                /* [pages * SIM_WORDS]: the latest value of every word */
    uint32_t write_counter;
    bool draining;
    uint64_t violations;
    uint64_t ops_done[SIM_OP_COUNT];
    uint64_t pkts_sent, pkts_lost, pkts_dup;
};

/* sim_main.c */
uint64_t sim_rand(struct sim_world *w);
unsigned sim_rand_below(struct sim_world *w, unsigned bound);
void sim_violation(struct sim_world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t sim_page_number(unsigned index);

/* sim_net.c */
enum sim_event_kind { SIM_EV_PKT, SIM_EV_ACK, SIM_EV_RTX, SIM_EV_THREAD, SIM_EV_TIMER };
void sim_event_push(struct sim_world *w, uint64_t time, uint8_t kind, unsigned src, unsigned dst, uint32_t arg,
                    struct sim_pkt *pkt);
bool sim_event_pop(struct sim_world *w, struct sim_event *out);
void sim_net_send(struct sim_world *w, unsigned src, unsigned dst, const void *bytes, size_t len);
void sim_net_event(struct sim_world *w, const struct sim_event *ev);
bool sim_net_quiet(const struct sim_world *w);
/* Nodes to which a read-ahead copy (AHEAD) of page number pn is sent but not yet delivered,
 * bit per node. */
uint64_t sim_net_ahead_in_flight(const struct sim_world *w, uint64_t pn);
void sim_net_free(struct sim_world *w);

/* sim_env.c */
void sim_env_fill(struct sim_node *sn, struct dsm_env *env);

/* sim_work.c */
void sim_work_start(struct sim_world *w);
void sim_work_thread_event(struct sim_world *w, unsigned thread);
void sim_work_run_ready(struct sim_world *w);
void sim_work_wake(struct sim_world *w, unsigned thread, int64_t result);
bool sim_work_all_parked(const struct sim_world *w);
void sim_work_close(struct sim_world *w);
void sim_work_check_liveness(struct sim_world *w);
/* Lost wake-up: a doomed waiter (see sim_work.c) still sleeping in its manager's queue. */
void sim_work_check_doomed(struct sim_world *w);
bool sim_work_finished(const struct sim_world *w);

/* A write-update copy of page index `page` became readable on node `node`: the first such
 * copy after a write commits that write to the shadow (it must be one in flight). */
void sim_work_wu_release(struct sim_world *w, unsigned node, unsigned page);
/* True if page index `page` is in the write-update region. */
bool sim_wu_page(const struct sim_world *w, unsigned page);

/* sim_check.c */
void sim_check_all(struct sim_world *w);
void sim_check_end(struct sim_world *w);
/* With --replicate and the cluster drained: every replica equals its manager's entry. */
void sim_check_replicas(struct sim_world *w);

#endif
